package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/** y = x W + b over the last dimension. Parameters W[in,out], b[out]. */
final class LinearOp extends Op {
  final int inFeatures;
  final int outFeatures;

  LinearOp(int inFeatures, int outFeatures) {
    require(inFeatures > 0 && outFeatures > 0, "linear needs positive in_features and out_features");
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
  }

  @Override String type() { return "linear"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("in_features", inFeatures);
    m.put("out_features", outFeatures);
    return m;
  }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT, "linear input must be float, got " + in[0]);
    require(in[0].rank() >= 1 && in[0].last() == inFeatures,
        "linear expects last dimension " + inFeatures + ", input is " + in[0]);
    int[] s = in[0].shape().clone();
    s[s.length - 1] = outFeatures;
    return new TensorType(DType.FLOAT, s);
  }

  @Override ParamSpec[] params(TensorType[] in) {
    return new ParamSpec[] {ParamSpec.normal("weight", 1.0 / Math.sqrt(inFeatures), inFeatures, outFeatures),
        ParamSpec.zeros("bias", outFeatures)};
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    int rows = x.size() / inFeatures;
    int[] s = x.shape.clone();
    s[s.length - 1] = outFeatures;
    Tensor y = Tensor.zeros(s);
    for (int r = 0; r < rows; r++) {
      System.arraycopy(p[1].data, 0, y.data, r * outFeatures, outFeatures);
    }
    Gemm.nn(x.data, p[0].data, y.data, rows, inFeatures, outFeatures);
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    Tensor x = in[0];
    int rows = x.size() / inFeatures;
    Gemm.tn(x.data, g.data, gP[0].data, rows, inFeatures, outFeatures);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < outFeatures; j++) {
        gP[1].data[j] += g.data[r * outFeatures + j];
      }
    }
    if (gIn[0] != null) {
      Gemm.nt(g.data, p[0].data, gIn[0].data, rows, outFeatures, inFeatures);
    }
  }

  @Override long flops(TensorType[] in, TensorType out) {
    return 2L * in[0].elements() / inFeatures * inFeatures * outFeatures;
  }
}
