package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the planner knows about the executors: names, pairwise bandwidth (bytes/s) and latency (s), memory
 * available for training (bytes) and a relative compute speed (1 = the speed the op times were measured
 * at). Measured at start by the Spark runtime; for planning offline, build one with {@link #uniform} and
 * {@link #withLink}.
 */
public final class ClusterProfile {
  final String[] executors;
  final double[][] bandwidth;
  final double[][] latency;
  final long[] memory;
  final double[] speed;
  /**
   * Per executor, wall seconds its training task spends on one float entry of a message on one side of a link
   * (encoding and framing it, or checking and decoding it), measured at start under the executor's own CPU
   * capacity; 0 = not charged (profiles built offline).
   */
  final double[] messageSeconds;
  /**
   * Per executor, wall seconds per message and side beyond its entries (waking the threads that pass it on, headers,
   * small allocations), measured with {@link #messageSeconds}; 0 = not charged.
   */
  final double[] messageFixedSeconds;

  ClusterProfile(String[] executors, double[][] bandwidth, double[][] latency, long[] memory, double[] speed) {
    this(executors, bandwidth, latency, memory, speed, new double[executors.length], new double[executors.length]);
  }

  ClusterProfile(String[] executors, double[][] bandwidth, double[][] latency, long[] memory, double[] speed,
      double[] messageSeconds, double[] messageFixedSeconds) {
    int n = executors.length;
    if (n < 1 || bandwidth.length != n || latency.length != n || memory.length != n || speed.length != n
        || messageSeconds.length != n || messageFixedSeconds.length != n) {
      throw new IllegalArgumentException("cluster profile: every table needs one row per executor (" + n + ")");
    }
    for (int i = 0; i < n; i++) {
      if (!(messageSeconds[i] >= 0) || Double.isInfinite(messageSeconds[i]) || !(messageFixedSeconds[i] >= 0)
          || Double.isInfinite(messageFixedSeconds[i])) {
        throw new IllegalArgumentException("cluster profile: message seconds of " + executors[i] + " must be finite and"
            + " >= 0, got " + messageSeconds[i] + " per entry and " + messageFixedSeconds[i] + " per message");
      }
    }
    this.messageSeconds = messageSeconds.clone();
    this.messageFixedSeconds = messageFixedSeconds.clone();
    this.executors = executors.clone();
    this.bandwidth = deepCopy(bandwidth);
    this.latency = deepCopy(latency);
    this.memory = memory.clone();
    this.speed = speed.clone();
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /**
   * {@code n} executors with equal speed and memory, every pair joined at {@code bitsPerSecond} with
   * {@code latencySeconds} one-way latency.
   */
  public static ClusterProfile uniform(int n, double bitsPerSecond, double latencySeconds, long memoryBytes) {
    String[] names = new String[n];
    double[][] bw = new double[n][n];
    double[][] lat = new double[n][n];
    long[] mem = new long[n];
    double[] sp = new double[n];
    for (int i = 0; i < n; i++) {
      names[i] = "executor-" + i;
      Arrays.fill(bw[i], bitsPerSecond / 8);
      Arrays.fill(lat[i], latencySeconds);
      bw[i][i] = Double.POSITIVE_INFINITY;
      lat[i][i] = 0;
      mem[i] = memoryBytes;
      sp[i] = 1;
    }
    return new ClusterProfile(names, bw, lat, mem, sp);
  }

  /** A copy with the link between executors {@code a} and {@code b} (both directions) set. */
  public ClusterProfile withLink(int a, int b, double bitsPerSecond, double latencySeconds) {
    ClusterProfile c = new ClusterProfile(executors, bandwidth, latency, memory, speed, messageSeconds, messageFixedSeconds);
    c.bandwidth[a][b] = c.bandwidth[b][a] = bitsPerSecond / 8;
    c.latency[a][b] = c.latency[b][a] = latencySeconds;
    return c;
  }

  /** A copy where executor {@code i} computes {@code factor} times as fast. */
  public ClusterProfile withSpeed(int i, double factor) {
    ClusterProfile c = new ClusterProfile(executors, bandwidth, latency, memory, speed, messageSeconds, messageFixedSeconds);
    c.speed[i] = factor;
    return c;
  }

  /**
   * A copy where executor {@code i} spends {@code secondsPerEntry} on each float entry of a message it sends or
   * receives (encode and frame, or check and decode), which the planner charges to the stage on that executor.
   */
  public ClusterProfile withMessageCost(int i, double secondsPerEntry) {
    return withMessageCost(i, secondsPerEntry, messageFixedSeconds[i]);
  }

  /** As above, plus {@code secondsPerMessage} for each message the executor sends or receives, whatever its size. */
  public ClusterProfile withMessageCost(int i, double secondsPerEntry, double secondsPerMessage) {
    double[] ms = messageSeconds.clone();
    double[] mf = messageFixedSeconds.clone();
    ms[i] = secondsPerEntry;
    mf[i] = secondsPerMessage;
    return new ClusterProfile(executors, bandwidth, latency, memory, speed, ms, mf);
  }

  public int size() {
    return executors.length;
  }

  /**
   * Groups executors whose mutual links are alike: links are split at the widest gap (in log scale) of the
   * sorted pairwise bandwidths, if that gap exceeds a factor of 2; executors joined by links above it form a
   * cluster. Clusters are listed with their members in ascending order.
   */
  List<List<Integer>> clusters() {
    int n = size();
    List<Double> bws = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        bws.add(Math.log(symmetric(i, j)));
      }
    }
    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    if (!bws.isEmpty()) {
      bws.sort(null);
      double threshold = Double.NEGATIVE_INFINITY;
      double widest = Math.log(2);
      for (int k = 1; k < bws.size(); k++) {
        double gap = bws.get(k) - bws.get(k - 1);
        if (gap > widest) {
          widest = gap;
          threshold = bws.get(k);
        }
      }
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          if (Math.log(symmetric(i, j)) >= threshold) {
            union(parent, i, j);
          }
        }
      }
    }
    List<List<Integer>> out = new ArrayList<>();
    List<Integer> roots = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int r = find(parent, i);
      int idx = roots.indexOf(r);
      if (idx < 0) {
        roots.add(r);
        out.add(new ArrayList<>());
        idx = out.size() - 1;
      }
      out.get(idx).add(i);
    }
    return out;
  }

  double symmetric(int i, int j) {
    return Math.min(bandwidth[i][j], bandwidth[j][i]);
  }

  private static int find(int[] p, int i) {
    while (p[i] != i) {
      p[i] = p[p[i]];
      i = p[i];
    }
    return i;
  }

  private static void union(int[] p, int a, int b) {
    p[find(p, a)] = find(p, b);
  }

  /**
   * An executor order for pipelines: clusters in the order whose weakest consecutive inter-cluster link is
   * strongest (all orders tried for up to 7 clusters), members of a cluster next to each other, in ascending order.
   */
  int[] chain() {
    List<List<Integer>> cl = clusters();
    int[] order = new int[size()];
    int j = 0;
    for (int c : clusterOrder(cl)) {
      for (int e : cl.get(c)) {
        order[j++] = e;
      }
    }
    return order;
  }

  /** Most executor orders {@link #chains()} lists; beyond that only {@link #chain()}. */
  static final int MAX_CHAINS = 24;

  /**
   * The executor orders the planner searches: the cluster order of {@link #chain()} with the members of each cluster
   * in every order (members of a cluster are joined alike, so which of them comes first is not decided by the links but
   * by their speed and message costs, which the planner weighs; taking them in index order, i.e. in whatever order
   * Spark numbered the tasks, could force a slow executor between two fast ones). Only {@link #chain()} when that would
   * be more than {@link #MAX_CHAINS} orders. The planner also runs every order backwards.
   */
  List<int[]> chains() {
    List<List<Integer>> cl = clusters();
    int[] co = clusterOrder(cl);
    long count = 1;
    for (List<Integer> c : cl) {
      for (int k = 2; k <= c.size(); k++) {
        count *= k;
      }
      if (count > MAX_CHAINS) {
        return List.of(chain());
      }
    }
    List<int[]> out = new ArrayList<>();
    out.add(new int[0]);
    for (int c : co) {
      List<int[]> perms = new ArrayList<>();
      int[] members = cl.get(c).stream().mapToInt(Integer::intValue).toArray();
      do {
        perms.add(members.clone());
      } while (nextPermutation(members));
      List<int[]> next = new ArrayList<>();
      for (int[] prefix : out) {
        for (int[] p : perms) {
          int[] o = Arrays.copyOf(prefix, prefix.length + p.length);
          System.arraycopy(p, 0, o, prefix.length, p.length);
          next.add(o);
        }
      }
      out = next;
    }
    return out;
  }

  private int[] clusterOrder(List<List<Integer>> cl) {
    int k = cl.size();
    int[] best = null;
    double bestScore = -1;
    int[] perm = new int[k];
    for (int i = 0; i < k; i++) {
      perm[i] = i;
    }
    if (k > 7) {
      return perm;
    }
    do {
      double score = Double.POSITIVE_INFINITY;
      for (int i = 0; i + 1 < k; i++) {
        score = Math.min(score, between(cl.get(perm[i]), cl.get(perm[i + 1])));
      }
      if (best == null || score > bestScore) {
        bestScore = score;
        best = perm.clone();
      }
    } while (nextPermutation(perm));
    return best;
  }

  private double between(List<Integer> a, List<Integer> b) {
    double best = 0;
    for (int i : a) {
      for (int j : b) {
        best = Math.max(best, symmetric(i, j));
      }
    }
    return best;
  }

  static boolean nextPermutation(int[] a) {
    int i = a.length - 2;
    while (i >= 0 && a[i] >= a[i + 1]) {
      i--;
    }
    if (i < 0) {
      return false;
    }
    int j = a.length - 1;
    while (a[j] <= a[i]) {
      j--;
    }
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
    for (int l = i + 1, r = a.length - 1; l < r; l++, r--) {
      t = a[l];
      a[l] = a[r];
      a[r] = t;
    }
    return true;
  }
}
