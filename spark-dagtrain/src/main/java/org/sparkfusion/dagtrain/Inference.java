package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The forward pass of a trained graph in one process, without training state: dropout off, no op caches kept
 * beyond the node that needs them, float edges rounded to float32 exactly as in training. Computes one node's
 * value (the model's output) or the loss, over a batch of samples holding the inputs it needs.
 */
final class Inference {
  private final Graph graph;
  private final Map<String, Tensor[]> params = new HashMap<>();

  Inference(Graph graph, TrainedWeights weights) {
    this.graph = graph;
    for (Node n : graph.nodes()) {
      double[][] v = weights.values.get(n.name());
      if (n.params().length > 0 && v == null) {
        throw new IllegalArgumentException("no trained parameters for node " + n.describe());
      }
      if (v != null) {
        Tensor[] t = new Tensor[v.length];
        for (int k = 0; k < v.length; k++) {
          t[k] = new Tensor(n.params()[k].shape(), v[k]);
        }
        params.put(n.name(), t);
      }
    }
  }

  /** The node a model outputs by default: the loss's first input (the logits). */
  static String defaultOutput(Graph graph) {
    return graph.nodes().get(graph.size() - 1).inputs().get(0);
  }

  /** Fails naming the Param unless {@code node} is empty (the default output) or a node of {@code graph}. */
  static void checkNode(Graph graph, String node) {
    if (!node.isEmpty() && graph.indexOf(node) < 0) {
      throw new IllegalArgumentException("outputNode: the graph has no node '" + node + "' (nodes: " + graph.nodeNames()
          + ")");
    }
  }

  /** The graph inputs {@code node} depends on, in graph order. */
  static List<Node> inputsOf(Graph graph, String node) {
    Set<String> needed = new HashSet<>();
    needed.add(node);
    for (int i = graph.indexOf(node); i >= 0; i--) {
      Node n = graph.nodes().get(i);
      if (needed.contains(n.name())) {
        needed.addAll(n.inputs());
      }
    }
    List<Node> out = new ArrayList<>();
    for (Node n : graph.nodes()) {
      if (n.isInput() && needed.contains(n.name())) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Forward of {@code samples} (values of {@code inputs}, in that order) up to {@code target}; returns its value
   * for the batch, shape [batch, ...].
   */
  Tensor forward(List<Node> inputs, List<float[][]> samples, String target) {
    int batch = samples.size();
    Map<String, Tensor> values = new HashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Node in = inputs.get(i);
      int per = in.output().elements();
      Tensor t = Tensor.zeros(Op.batchShape(batch, in.output().shape()));
      for (int b = 0; b < batch; b++) {
        float[] v = samples.get(b)[i];
        for (int k = 0; k < per; k++) {
          t.data[b * per + k] = v[k];
        }
      }
      values.put(in.name(), t);
    }
    int last = graph.indexOf(target);
    Set<String> needed = new HashSet<>();
    needed.add(target);
    for (int i = last; i >= 0; i--) {
      Node n = graph.nodes().get(i);
      if (needed.contains(n.name())) {
        needed.addAll(n.inputs());
      }
    }
    RunContext ctx = new RunContext(0, 0, 0, false);
    for (int i = 0; i <= last; i++) {
      Node n = graph.nodes().get(i);
      if (n.isInput() || !needed.contains(n.name())) {
        continue;
      }
      Tensor[] args = new Tensor[n.inputs().size()];
      for (int k = 0; k < args.length; k++) {
        args[k] = values.get(n.inputs().get(k));
      }
      Tensor y = n.op().forward(args, params.get(n.name()), new OpCache(), ctx, n.name());
      if (!n.op().isLoss()) {
        n.output().dtype().roundInPlace(y.data);
      }
      values.put(n.name(), y);
    }
    return values.get(target);
  }

  /** Mean loss of the batch (the loss node's value). */
  double loss(List<float[][]> samples) {
    List<Node> inputs = graph.nodes().stream().filter(Node::isInput).toList();
    return forward(inputs, samples, graph.nodes().get(graph.size() - 1).name()).data[0];
  }
}
