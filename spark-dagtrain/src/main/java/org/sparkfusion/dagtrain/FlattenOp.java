package org.sparkfusion.dagtrain;

import java.util.Map;

/** Reshapes each sample to one dimension. */
final class FlattenOp extends Op {
  @Override String type() { return "flatten"; }

  @Override Map<String, Object> attrs() { return Map.of(); }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT, "flatten input must be float, got " + in[0]);
    return new TensorType(DType.FLOAT, new int[] {in[0].elements()});
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    int n = in[0].batch();
    return new Tensor(new int[] {n, in[0].size() / Math.max(1, n)}, in[0].data.clone());
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    if (gIn[0] != null) {
      for (int i = 0; i < g.data.length; i++) {
        gIn[0].data[i] += g.data[i];
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return 0; }
}
