package org.sparkfusion.dagtrain;

import java.util.Map;

/** Averages each channel of a [C,H,W] sample into [C]. */
final class GlobalAvgPoolOp extends Op {
  @Override String type() { return "global_avgpool"; }

  @Override Map<String, Object> attrs() { return Map.of(); }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].rank() == 3, "global_avgpool expects float [c,h,w], got " + in[0]);
    return new TensorType(DType.FLOAT, new int[] {in[0].shape()[0]});
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    int n = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
    Tensor y = Tensor.zeros(n, c);
    for (int bc = 0; bc < n * c; bc++) {
      double s = 0;
      for (int i = 0; i < hw; i++) {
        s += x.data[bc * hw + i];
      }
      y.data[bc] = s / hw;
    }
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    if (gIn[0] == null) {
      return;
    }
    Tensor x = in[0];
    int hw = x.dim(2) * x.dim(3);
    for (int bc = 0; bc < g.size(); bc++) {
      double v = g.data[bc] / hw;
      for (int i = 0; i < hw; i++) {
        gIn[0].data[bc * hw + i] += v;
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return in[0].elements(); }
}
