package org.sparkfusion.fusefl.core;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Dirichlet label-skew partition as used in the one-shot FL literature: for each class, proportions
 * p ~ Dir(alpha * 1_M) over M clients, clients already holding at least N/M samples get no more, and the
 * whole draw is repeated until every client holds at least {@code minPerClient} samples. Deterministic for a
 * given seed (our own generator, so splits differ from NumPy's).
 */
public final class DirichletSplit {
  /** Maximum number of redraws before giving up on the minimum client size. */
  static final int MAX_ATTEMPTS = 1000;

  private DirichletSplit() {}

  /**
   * Assigns every row to a client.
   *
   * @param labels class of each row, in [0, numClasses)
   * @return client index in [0, clients) for each row
   */
  public static int[] assign(int[] labels, int numClasses, int clients, double alpha, long seed, int minPerClient) {
    if (clients < 2) {
      throw new IllegalArgumentException("clients must be >= 2, got " + clients);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("alpha must be a positive finite number, got " + alpha);
    }
    int n = labels.length;
    if ((long) clients * minPerClient > n) {
      throw new IllegalArgumentException("Cannot give " + clients + " clients at least " + minPerClient
          + " rows each from " + n + " rows");
    }
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      int y = labels[i];
      if (y < 0 || y >= numClasses) {
        throw new IllegalArgumentException("label " + y + " at row " + i + " is outside [0, " + numClasses + ")");
      }
      byClass.get(y).add(i);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      int[] assignment = new int[n];
      int[] sizes = new int[clients];
      for (int c = 0; c < numClasses; c++) {
        int[] idx = shuffled(byClass.get(c), rng);
        double[] p = dirichlet(alpha, clients, rng);
        double total = 0;
        for (int j = 0; j < clients; j++) {
          if (sizes[j] >= (double) n / clients) {
            p[j] = 0;
          }
          total += p[j];
        }
        if (total == 0) {
          // All clients are full: fall back to uniform proportions for this class.
          java.util.Arrays.fill(p, 1.0 / clients);
          total = 1;
        }
        double cum = 0;
        int start = 0;
        for (int j = 0; j < clients; j++) {
          cum += p[j] / total;
          int end = j == clients - 1 ? idx.length : (int) Math.floor(cum * idx.length);
          end = Math.max(start, Math.min(end, idx.length));
          for (int t = start; t < end; t++) {
            assignment[idx[t]] = j;
          }
          sizes[j] += end - start;
          start = end;
        }
      }
      int min = Integer.MAX_VALUE;
      for (int s : sizes) {
        min = Math.min(min, s);
      }
      if (min >= minPerClient) {
        return assignment;
      }
    }
    throw new IllegalStateException("Dirichlet split with alpha=" + alpha + " could not give each of " + clients
        + " clients at least " + minPerClient + " rows in " + MAX_ATTEMPTS + " draws; raise alpha or lower clients");
  }

  /** Per-client, per-class row counts of an assignment (for logging and tests). */
  public static long[][] counts(int[] labels, int[] assignment, int numClasses, int clients) {
    long[][] counts = new long[clients][numClasses];
    for (int i = 0; i < labels.length; i++) {
      counts[assignment[i]][labels[i]]++;
    }
    return counts;
  }

  static int[] shuffled(List<Integer> values, SplittableRandom rng) {
    int[] a = values.stream().mapToInt(Integer::intValue).toArray();
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** One draw from Dir(alpha * 1_k) as normalised Gamma(alpha, 1) samples. */
  static double[] dirichlet(double alpha, int k, SplittableRandom rng) {
    double[] g = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      g[i] = gamma(alpha, rng);
      sum += g[i];
    }
    if (sum == 0) {
      g[rng.nextInt(k)] = 1;
      return g;
    }
    for (int i = 0; i < k; i++) {
      g[i] /= sum;
    }
    return g;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang; shape < 1 via the boost Gamma(shape+1) * U^(1/shape). */
  static double gamma(double shape, SplittableRandom rng) {
    if (shape < 1) {
      double u = rng.nextDouble();
      return gamma(shape + 1, rng) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = gaussian(rng);
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = rng.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  static double gaussian(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
