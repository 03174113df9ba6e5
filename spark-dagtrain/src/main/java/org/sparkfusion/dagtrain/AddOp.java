package org.sparkfusion.dagtrain;

import java.util.Map;

/** Element-wise sum of two tensors of the same shape (residual connections). */
final class AddOp extends Op {
  @Override String type() { return "add"; }

  @Override Map<String, Object> attrs() { return Map.of(); }

  @Override int arity() { return 2; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].sameAs(in[1]),
        "add needs two float inputs of the same shape, got " + in[0] + " and " + in[1]);
    return in[0];
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor y = in[0].copy();
    y.addInPlace(in[1]);
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    for (Tensor t : gIn) {
      if (t != null) {
        t.addInPlace(g);
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return in[0].elements(); }
}
