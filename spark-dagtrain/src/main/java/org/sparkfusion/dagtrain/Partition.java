package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Contiguous cuts of a graph's topological order into stages: boundaries b0=0 < b1 < ... < bk = size. */
final class Partition {
  private Partition() {}

  /** Tensors produced before index {@code boundary} and read at or after it, in topological order. */
  static List<String> liveAt(Graph g, int boundary) {
    List<String> live = new ArrayList<>();
    List<Node> nodes = g.nodes();
    for (int i = 0; i < boundary && i < nodes.size(); i++) {
      String name = nodes.get(i).name();
      for (int j = boundary; j < nodes.size(); j++) {
        if (nodes.get(j).inputs().contains(name)) {
          live.add(name);
          break;
        }
      }
    }
    return live;
  }

  /** Per-sample float elements and int elements crossing the boundary. */
  static long[] liveElements(Graph g, int boundary) {
    long floats = 0;
    long ints = 0;
    for (String name : liveAt(g, boundary)) {
      TensorType t = g.node(name).output();
      if (t.dtype() == DType.FLOAT) {
        floats += t.elements();
      } else {
        ints += t.elements();
      }
    }
    return new long[] {floats, ints};
  }

  /** Number of leading input nodes: every input must be in the first stage (it reads the data). */
  static int firstCut(Graph g) {
    int k = 0;
    while (k < g.size() && g.nodes().get(k).isInput()) {
      k++;
    }
    for (int i = k; i < g.size(); i++) {
      if (g.nodes().get(i).isInput()) {
        throw new IllegalStateException("input '" + g.nodes().get(i).name() + "' is not at the start of the topological order");
      }
    }
    return k;
  }

  /**
   * Boundaries splitting the nodes after the inputs into {@code stages} pieces with about equal node counts (the
   * "even" baseline); the inputs join the first piece.
   */
  static int[] even(Graph g, int stages) {
    int n = g.size();
    int first = firstCut(g);
    if (stages < 1 || stages > n - first) {
      throw new IllegalArgumentException("cannot split " + (n - first) + " non-input nodes into " + stages + " stages");
    }
    int[] b = new int[stages + 1];
    for (int s = 1; s <= stages; s++) {
      b[s] = first + (int) Math.round((double) s * (n - first) / stages);
    }
    return b;
  }

  static void check(Graph g, int[] boundaries) {
    if (boundaries.length < 2 || boundaries[0] != 0 || boundaries[boundaries.length - 1] != g.size()) {
      throw new IllegalArgumentException("stage boundaries must run from 0 to " + g.size() + ": " + Arrays.toString(boundaries));
    }
    for (int i = 1; i < boundaries.length; i++) {
      if (boundaries[i] <= boundaries[i - 1]) {
        throw new IllegalArgumentException("stage boundaries must increase: " + Arrays.toString(boundaries));
      }
    }
    if (boundaries.length > 2 && boundaries[1] < firstCut(g)) {
      throw new IllegalArgumentException("stage boundaries " + Arrays.toString(boundaries) + " put graph input '"
          + g.nodes().get(boundaries[1]).name() + "' outside the first stage, which reads the data");
    }
  }
}
