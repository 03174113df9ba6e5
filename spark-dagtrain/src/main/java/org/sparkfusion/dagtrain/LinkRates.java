package org.sparkfusion.dagtrain;

import org.sparkfusion.dagtrain.transport.RateLimiter;

/** Parses transport rate limits: "*:100mbps" or "0-1:8mbps,1-2:1gbps" (task indices, both directions). */
final class LinkRates {
  private LinkRates() {}

  /** rates[i][j] in bytes/s for what task i sends to task j; 0 means unlimited. */
  static double[][] parse(String spec, int tasks) {
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
      double rate = RateLimiter.parseBitsPerSecond(p.substring(colon + 1));
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
