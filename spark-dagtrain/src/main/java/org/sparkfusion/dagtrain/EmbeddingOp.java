package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/** Looks up int ids [..] in a table [vocab, dim], giving float [.., dim]. */
final class EmbeddingOp extends Op {
  final int vocab;
  final int dim;

  EmbeddingOp(int vocab, int dim) {
    require(vocab > 0 && dim > 0, "embedding needs positive vocab and dim");
    this.vocab = vocab;
    this.dim = dim;
  }

  @Override String type() { return "embedding"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vocab", vocab);
    m.put("dim", dim);
    return m;
  }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.INT, "embedding input must be int ids, got " + in[0]);
    int[] s = new int[in[0].rank() + 1];
    System.arraycopy(in[0].shape(), 0, s, 0, in[0].rank());
    s[s.length - 1] = dim;
    return new TensorType(DType.FLOAT, s);
  }

  @Override ParamSpec[] params(TensorType[] in) {
    return new ParamSpec[] {ParamSpec.normal("table", 0.1, vocab, dim)};
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor ids = in[0];
    int[] s = new int[ids.shape.length + 1];
    System.arraycopy(ids.shape, 0, s, 0, ids.shape.length);
    s[s.length - 1] = dim;
    Tensor y = Tensor.zeros(s);
    for (int i = 0; i < ids.size(); i++) {
      int id = (int) ids.data[i];
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("embedding '" + node + "': id " + id + " outside vocabulary [0," + vocab + ")");
      }
      System.arraycopy(p[0].data, id * dim, y.data, i * dim, dim);
    }
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    Tensor ids = in[0];
    for (int i = 0; i < ids.size(); i++) {
      int id = (int) ids.data[i];
      for (int d = 0; d < dim; d++) {
        gP[0].data[id * dim + d] += g.data[i * dim + d];
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return out.elements(); }
}
