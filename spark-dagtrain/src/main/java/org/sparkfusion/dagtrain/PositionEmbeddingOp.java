package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/** Adds a learned position table [length, dim] to a [length, dim] sequence. */
final class PositionEmbeddingOp extends Op {
  final int length;
  final int dim;

  PositionEmbeddingOp(int length, int dim) {
    require(length > 0 && dim > 0, "position_embedding needs positive length and dim");
    this.length = length;
    this.dim = dim;
  }

  @Override String type() { return "position_embedding"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("length", length);
    m.put("dim", dim);
    return m;
  }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].rank() == 2 && in[0].shape()[0] == length && in[0].shape()[1] == dim,
        "position_embedding expects float[" + length + ", " + dim + "], got " + in[0]);
    return in[0];
  }

  @Override ParamSpec[] params(TensorType[] in) {
    return new ParamSpec[] {ParamSpec.normal("table", 0.1, length, dim)};
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor y = in[0].copy();
    int per = length * dim;
    for (int i = 0; i < y.size(); i++) {
      y.data[i] += p[0].data[i % per];
    }
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    int per = length * dim;
    for (int i = 0; i < g.size(); i++) {
      gP[0].data[i % per] += g.data[i];
      if (gIn[0] != null) {
        gIn[0].data[i] += g.data[i];
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return in[0].elements(); }
}
