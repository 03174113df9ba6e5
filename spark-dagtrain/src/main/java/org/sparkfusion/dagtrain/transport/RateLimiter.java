package org.sparkfusion.dagtrain.transport;

/** Holds a sender back so a link carries at most {@code bytesPerSecond} (a token bucket without burst). */
public final class RateLimiter {
  final double bytesPerSecond;
  private long nextFreeNanos = System.nanoTime();

  RateLimiter(double bytesPerSecond) {
    if (!(bytesPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive, got " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Blocks until {@code bytes} may have left the link. */
  synchronized void acquire(long bytes) throws InterruptedException {
    long now = System.nanoTime();
    long start = Math.max(now, nextFreeNanos);
    nextFreeNanos = start + (long) (bytes / bytesPerSecond * 1e9);
    long wait = nextFreeNanos - now;
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  /** Parses "8mbps", "100Mbit", "1gbps", "500kbps" or a plain number of bits per second into bytes/s. */
  public static double parseBitsPerSecond(String s) {
    String v = s.trim().toLowerCase().replace("bit", "bps").replace("bpsps", "bps");
    double mult = 1;
    if (v.endsWith("gbps")) {
      mult = 1e9;
      v = v.substring(0, v.length() - 4);
    } else if (v.endsWith("mbps")) {
      mult = 1e6;
      v = v.substring(0, v.length() - 4);
    } else if (v.endsWith("kbps")) {
      mult = 1e3;
      v = v.substring(0, v.length() - 4);
    } else if (v.endsWith("bps")) {
      v = v.substring(0, v.length() - 3);
    }
    try {
      double bits = Double.parseDouble(v) * mult;
      if (!(bits > 0)) {
        throw new NumberFormatException();
      }
      return bits / 8;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid link rate '" + s + "' (expected e.g. 8mbps, 100mbps, 1gbps)");
    }
  }
}
