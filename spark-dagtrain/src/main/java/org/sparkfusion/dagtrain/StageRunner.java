package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one pipeline stage: the nodes with topological index in [from, to). Forward takes the live tensors
 * at the stage's entry (or the data, for the first stage) and returns the live tensors at its exit (or the
 * loss, for the last stage); backward takes the gradients of the exit tensors and returns those of the entry
 * tensors, accumulating parameter gradients. State is kept per micro-batch so several can be in flight.
 */
final class StageRunner {
  final Graph graph;
  final int from;
  final int to;
  final List<String> entry;
  final List<String> exit;
  final Map<String, Tensor[]> params = new LinkedHashMap<>();
  final Map<String, Tensor[]> grads = new LinkedHashMap<>();
  private final Map<Integer, MicroState> inFlight = new HashMap<>();
  /** Most micro-batches held at once (forward done, backward not yet), and the most bytes they held. */
  int peakInFlight;
  long peakInFlightBytes;
  private long inFlightBytes;

  private static final class MicroState {
    final Map<String, Tensor> values = new HashMap<>();
    final Map<String, OpCache> caches = new HashMap<>();
    long bytes;
  }

  /** Bytes an op cache holds (arrays of doubles, ints or tensors), for the in-flight accounting. */
  private static long bytesOf(Object o) {
    if (o instanceof double[] d) {
      return 8L * d.length;
    } else if (o instanceof int[] i) {
      return 4L * i.length;
    } else if (o instanceof Tensor t) {
      return 8L * t.size();
    } else if (o instanceof Object[] arr) {
      long n = 0;
      for (Object x : arr) {
        n += bytesOf(x);
      }
      return n;
    }
    return 0;
  }

  StageRunner(Graph graph, int from, int to, long seed) {
    if (from < 0 || to > graph.size() || from >= to) {
      throw new IllegalArgumentException("invalid stage range [" + from + "," + to + ") for " + graph.size() + " nodes");
    }
    this.graph = graph;
    this.from = from;
    this.to = to;
    this.entry = Partition.liveAt(graph, from);
    this.exit = Partition.liveAt(graph, to);
    for (int i = from; i < to; i++) {
      Node n = graph.nodes().get(i);
      Tensor[] p = new Tensor[n.params().length];
      Tensor[] g = new Tensor[p.length];
      for (int k = 0; k < p.length; k++) {
        p[k] = graph.initialParameter(n, k, seed);
        g[k] = p[k].zerosLike();
      }
      params.put(n.name(), p);
      grads.put(n.name(), g);
    }
  }

  boolean isFirst() {
    return from == 0;
  }

  boolean isLast() {
    return to == graph.size();
  }

  /** Forward of one micro-batch. For the first stage {@code in} holds the data inputs. */
  Map<String, Tensor> forward(Map<String, Tensor> in, RunContext ctx) {
    MicroState st = new MicroState();
    for (String name : entry) {
      Tensor t = in.get(name);
      if (t == null) {
        throw new IllegalArgumentException("stage [" + from + "," + to + ") is missing entry tensor '" + name + "'");
      }
      st.values.put(name, rounded(name, t));
    }
    for (int i = from; i < to; i++) {
      Node n = graph.nodes().get(i);
      if (n.isInput()) {
        Tensor t = in.get(n.name());
        if (t == null) {
          throw new IllegalArgumentException("no data for input '" + n.name() + "'");
        }
        st.values.put(n.name(), rounded(n.name(), t));
        continue;
      }
      Tensor[] args = new Tensor[n.inputs().size()];
      for (int k = 0; k < args.length; k++) {
        args[k] = st.values.get(n.inputs().get(k));
      }
      OpCache cache = new OpCache();
      Tensor y = n.op().forward(args, params.get(n.name()), cache, ctx, n.name());
      if (!n.op().isLoss()) {
        // The op computes in float64; its output edge holds its declared dtype (float32), in every partition.
        n.output().dtype().roundInPlace(y.data);
      }
      st.values.put(n.name(), y);
      st.caches.put(n.name(), cache);
    }
    for (Map.Entry<String, Tensor> e : st.values.entrySet()) {
      st.bytes += 8L * e.getValue().size();
    }
    for (OpCache c : st.caches.values()) {
      st.bytes += bytesOf(c.a) + bytesOf(c.b) + bytesOf(c.c);
    }
    if (inFlight.put(ctx.microBatch(), st) != null) {
      throw new IllegalStateException("micro-batch " + ctx.microBatch() + " forwarded twice without its backward");
    }
    inFlightBytes += st.bytes;
    peakInFlight = Math.max(peakInFlight, inFlight.size());
    peakInFlightBytes = Math.max(peakInFlightBytes, inFlightBytes);
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (isLast()) {
      out.put(graph.nodes().get(to - 1).name(), st.values.get(graph.nodes().get(to - 1).name()));
    } else {
      for (String name : exit) {
        out.put(name, st.values.get(name));
      }
    }
    return out;
  }

  /**
   * Backward of one micro-batch. {@code gradOut} holds the gradients of the float exit tensors; for the last
   * stage it is ignored and the loss gradient is {@code lossScale}. Returns gradients of the float entry tensors.
   */
  Map<String, Tensor> backward(int microBatch, Map<String, Tensor> gradOut, double lossScale) {
    MicroState st = inFlight.remove(microBatch);
    if (st == null) {
      throw new IllegalStateException("backward of micro-batch " + microBatch + " without its forward");
    }
    inFlightBytes -= st.bytes;
    Map<String, Tensor> g = new HashMap<>();
    if (isLast()) {
      g.put(graph.nodes().get(to - 1).name(), new Tensor(new int[] {1}, new double[] {lossScale}));
    } else {
      for (String name : exit) {
        if (graph.node(name).output().dtype() == DType.FLOAT && !graph.node(name).isInput()) {
          Tensor t = gradOut.get(name);
          if (t == null) {
            throw new IllegalArgumentException("stage [" + from + "," + to + ") is missing the gradient of '" + name + "'");
          }
          g.put(name, rounded(name, t));
        }
      }
    }
    for (int i = to - 1; i >= from; i--) {
      Node n = graph.nodes().get(i);
      Tensor gy = g.get(n.name());
      if (n.isInput() || gy == null) {
        continue;
      }
      Tensor[] args = new Tensor[n.inputs().size()];
      Tensor[] gin = new Tensor[args.length];
      for (int k = 0; k < args.length; k++) {
        String in = n.inputs().get(k);
        args[k] = st.values.get(in);
        Node src = graph.node(in);
        if (src.output().dtype() == DType.FLOAT && !src.isInput()) {
          gin[k] = args[k].zerosLike();
        }
      }
      n.op().backward(gy, args, params.get(n.name()), st.caches.get(n.name()), gin, grads.get(n.name()));
      for (int k = 0; k < args.length; k++) {
        if (gin[k] != null) {
          accumulate(g, n.inputs().get(k), gin[k]);
        }
      }
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : entry) {
      Node src = graph.node(name);
      if (src.output().dtype() == DType.FLOAT && !src.isInput()) {
        Tensor t = g.get(name);
        out.put(name, t != null ? t : st.values.get(name).zerosLike());
      }
    }
    return out;
  }

  /** A float32 copy of a float tensor arriving at the stage (data or a message); int tensors as they are. */
  private Tensor rounded(String name, Tensor t) {
    if (graph.node(name).output().dtype() != DType.FLOAT) {
      return t;
    }
    Tensor c = t.copy();
    DType.FLOAT.roundInPlace(c.data);
    return c;
  }

  /**
   * Adds one consumer's gradient to a tensor's gradient, in float32: the contribution is rounded, and so is every
   * partial sum. Consumers are visited in reverse topological order whatever the cuts, so a partial sum that
   * crosses a cut (the consumers in later stages) is exactly the partial sum one process holds at that point,
   * and float32 on the wire loses nothing.
   */
  private static void accumulate(Map<String, Tensor> g, String name, Tensor contribution) {
    DType.FLOAT.roundInPlace(contribution.data);
    Tensor acc = g.get(name);
    if (acc == null) {
      g.put(name, contribution);
      return;
    }
    for (int i = 0; i < acc.data.length; i++) {
      acc.data[i] = (float) (acc.data[i] + contribution.data[i]);
    }
  }

  void zeroGrads() {
    for (Tensor[] gs : grads.values()) {
      for (Tensor t : gs) {
        java.util.Arrays.fill(t.data, 0);
      }
    }
  }

  long paramCount() {
    long n = 0;
    for (Tensor[] ps : params.values()) {
      for (Tensor t : ps) {
        n += t.size();
      }
    }
    return n;
  }

  List<String> nodeNames() {
    List<String> names = new ArrayList<>();
    for (int i = from; i < to; i++) {
      names.add(graph.nodes().get(i).name());
    }
    return names;
  }
}
