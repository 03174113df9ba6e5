package org.sparkfusion.dagtrain;

import java.util.Map;

/** Mean softmax cross-entropy of float logits [.., classes] against int labels [..]; a scalar loss. */
final class SoftmaxCrossEntropyOp extends Op {
  @Override String type() { return "softmax_cross_entropy"; }

  @Override Map<String, Object> attrs() { return Map.of(); }

  @Override int arity() { return 2; }

  @Override boolean isLoss() { return true; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].rank() >= 1, "softmax_cross_entropy logits must be float, got " + in[0]);
    require(in[1].dtype() == DType.INT, "softmax_cross_entropy labels must be int, got " + in[1]);
    int[] expected = java.util.Arrays.copyOf(in[0].shape(), in[0].rank() - 1);
    require(java.util.Arrays.equals(expected, in[1].shape()),
        "softmax_cross_entropy labels " + in[1] + " do not match logits " + in[0] + " (expected int"
            + java.util.Arrays.toString(expected) + ")");
    return new TensorType(DType.FLOAT, new int[0]);
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor logits = in[0];
    int classes = logits.dim(-1);
    int rows = logits.size() / classes;
    double[] probs = new double[logits.size()];
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits.data[r * classes + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        probs[r * classes + c] = Math.exp(logits.data[r * classes + c] - max);
        sum += probs[r * classes + c];
      }
      int label = (int) in[1].data[r];
      if (label < 0 || label >= classes) {
        throw new IllegalArgumentException("softmax_cross_entropy '" + node + "': label " + label + " outside [0," + classes + ")");
      }
      for (int c = 0; c < classes; c++) {
        probs[r * classes + c] /= sum;
      }
      loss -= Math.log(Math.max(probs[r * classes + label], 1e-300));
    }
    cache.a = probs;
    return new Tensor(new int[] {1}, new double[] {loss / rows});
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    if (gIn[0] == null) {
      return;
    }
    double[] probs = (double[]) cache.a;
    int classes = in[0].dim(-1);
    int rows = probs.length / classes;
    double scale = g.data[0] / rows;
    for (int r = 0; r < rows; r++) {
      int label = (int) in[1].data[r];
      for (int c = 0; c < classes; c++) {
        gIn[0].data[r * classes + c] += scale * (probs[r * classes + c] - (c == label ? 1 : 0));
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return 5L * in[0].elements(); }
}
