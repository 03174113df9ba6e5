package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/** A graph input (features, token ids or labels) fed from the training data. */
final class InputOp extends Op {
  final TensorType type;

  InputOp(TensorType type) {
    this.type = type;
  }

  @Override String type() { return "input"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("shape", type.shape());
    m.put("dtype", type.dtype().name().toLowerCase());
    return m;
  }

  @Override int arity() { return 0; }

  @Override TensorType infer(TensorType[] in) { return type; }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    throw new IllegalStateException("input '" + node + "' is fed, not computed");
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) { }

  @Override long flops(TensorType[] in, TensorType out) { return 0; }
}
