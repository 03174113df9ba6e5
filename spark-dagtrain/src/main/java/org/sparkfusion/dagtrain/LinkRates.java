package org.sparkfusion.dagtrain;

import org.sparkfusion.dagtrain.transport.RateLimiter;

/**
 * Parses the transport's link emulation: "*:100mbps" or "0-1:8mbps,1-2:1gbps" (task indices, both directions), each
 * rate optionally with a round-trip time, "0-1:8mbit/100ms" (a geo-distributed link: 8 Mbit/s, 100 ms RTT).
 */
final class LinkRates {
  private LinkRates() {}

  /** rates[i][j] in bytes/s for what task i sends to task j; 0 means unlimited. */
  static double[][] parse(String spec, int tasks) {
    return parse(spec, tasks, false);
  }

  /** delays[i][j]: one-way delay in seconds of what task i sends to task j (half the link's RTT); 0 = none. */
  static double[][] delays(String spec, int tasks) {
    return parse(spec, tasks, true);
  }

  /** "100ms", "40ms", "1.5s", "500us": seconds; fails naming the setting. */
  static double parseSeconds(String s) {
    String v = s.trim().toLowerCase(java.util.Locale.ROOT);
    double mult;
    if (v.endsWith("ms")) {
      mult = 1e-3;
      v = v.substring(0, v.length() - 2);
    } else if (v.endsWith("us")) {
      mult = 1e-6;
      v = v.substring(0, v.length() - 2);
    } else if (v.endsWith("s")) {
      mult = 1;
      v = v.substring(0, v.length() - 1);
    } else {
      throw new IllegalArgumentException("invalid round-trip time '" + s + "' in " + DagTrainConfig.LINK_RATES.key()
          + " (expected e.g. 100ms, 40ms, 1s)");
    }
    try {
      double secs = Double.parseDouble(v) * mult;
      if (!(secs >= 0) || secs > 60) {
        throw new NumberFormatException();
      }
      return secs;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid round-trip time '" + s + "' in " + DagTrainConfig.LINK_RATES.key()
          + " (expected 0 to 60 s, e.g. 100ms)");
    }
  }

  private static double[][] parse(String spec, int tasks, boolean delays) {
    double[][] r = new double[tasks][tasks];
    if (spec == null || spec.isBlank()) {
      return r;
    }
    for (String part : spec.split(",")) {
      String p = part.trim();
      int colon = p.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("invalid link rate '" + p + "' in " + DagTrainConfig.LINK_RATES.key()
            + " (expected '*:RATE' or 'I-J:RATE')");
      }
      String value = p.substring(colon + 1);
      int slash = value.indexOf('/');
      double rate = RateLimiter.parseBitsPerSecond(slash < 0 ? value : value.substring(0, slash));
      double oneWay = slash < 0 ? 0 : parseSeconds(value.substring(slash + 1)) / 2;
      if (delays) {
        rate = oneWay;
      }
      String who = p.substring(0, colon).trim();
      if (who.equals("*")) {
        for (int i = 0; i < tasks; i++) {
          for (int j = 0; j < tasks; j++) {
            if (i != j) {
              r[i][j] = rate;
            }
          }
        }
        continue;
      }
      String[] ij = who.split("-");
      try {
        int i = Integer.parseInt(ij[0].trim());
        int j = Integer.parseInt(ij[1].trim());
        if (i < 0 || j < 0 || i >= tasks || j >= tasks || i == j) {
          throw new IllegalArgumentException("link '" + who + "' in " + DagTrainConfig.LINK_RATES.key()
              + " names tasks outside 0.." + (tasks - 1));
        }
        r[i][j] = rate;
        r[j][i] = rate;
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        throw new IllegalArgumentException("invalid link '" + who + "' in " + DagTrainConfig.LINK_RATES.key());
      }
    }
    return r;
  }
}
