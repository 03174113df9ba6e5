package org.sparkfusion.upmem;

import java.util.SplittableRandom;

/**
 * Zipf(s) ranks over 1..n: exact inverse CDF over the first {@value #HEAD} ranks, and for the tail the
 * continuous power-law approximation (ranks beyond the head carry little mass and are sampled by inversion).
 * Ranks are mapped to row ids by a fixed bijection so the hot rows are scattered over the table, as in real data.
 */
final class ZipfSampler {
  static final int HEAD = 1 << 16;
  private final long n;
  private final double s;
  private final double[] headCdf;
  private final double headMass;
  private final long multiplier;
  private final long offset;

  ZipfSampler(long n, double s, long seed) {
    if (n <= 0 || s <= 0) {
      throw new IllegalArgumentException("zipf needs n > 0 and s > 0, got n=" + n + " s=" + s);
    }
    this.n = n;
    this.s = s;
    int head = (int) Math.min(n, HEAD);
    headCdf = new double[head];
    double sum = 0;
    for (int k = 1; k <= head; k++) {
      sum += Math.pow(k, -s);
      headCdf[k - 1] = sum;
    }
    double tail = n > head ? tailMass(head + 0.5, n + 0.5) : 0;
    headMass = sum / (sum + tail);
    for (int k = 0; k < head; k++) {
      headCdf[k] /= sum;
    }
    SplittableRandom r = new SplittableRandom(seed);
    long m = (r.nextLong(Math.max(1, n - 1)) + 1) | 1;
    while (gcd(m, n) != 1) {
      m += 2;
    }
    multiplier = m % n == 0 ? 1 : m % n;
    offset = r.nextLong(n);
  }

  private double tailMass(double a, double b) {
    return Math.abs(s - 1) < 1e-12 ? Math.log(b / a) : (Math.pow(b, 1 - s) - Math.pow(a, 1 - s)) / (1 - s);
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** A rank in 1..n. */
  long rank(SplittableRandom r) {
    double u = r.nextDouble();
    if (u < headMass || headCdf.length == n) {
      double v = u / headMass;
      int lo = 0;
      int hi = headCdf.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (headCdf[mid] < v) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo + 1;
    }
    double a = headCdf.length + 0.5;
    double v = (u - headMass) / (1 - headMass) * tailMass(a, n + 0.5);
    double x = Math.abs(s - 1) < 1e-12 ? a * Math.exp(v) : Math.pow(Math.pow(a, 1 - s) + v * (1 - s), 1 / (1 - s));
    return Math.max(headCdf.length + 1, Math.min(n, Math.round(x)));
  }

  /** Row id of a rank: a fixed permutation of 0..n-1. */
  int rowOf(long rank) {
    return (int) (((rank - 1) * multiplier + offset) % n); // < 2^62: n, multiplier, offset < 2^31
  }

  int sample(SplittableRandom r) {
    return rowOf(rank(r));
  }
}
