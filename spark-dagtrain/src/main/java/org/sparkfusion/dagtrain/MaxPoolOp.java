package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/** Max pooling over [C,H,W] with a square window and stride. */
final class MaxPoolOp extends Op {
  final int kernel;
  final int stride;

  MaxPoolOp(int kernel, int stride) {
    require(kernel > 0 && stride > 0, "maxpool2d needs positive kernel and stride");
    this.kernel = kernel;
    this.stride = stride;
  }

  @Override String type() { return "maxpool2d"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kernel", kernel);
    m.put("stride", stride);
    return m;
  }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].rank() == 3, "maxpool2d expects float [c,h,w], got " + in[0]);
    int h = (in[0].shape()[1] - kernel) / stride + 1;
    int w = (in[0].shape()[2] - kernel) / stride + 1;
    require(h > 0 && w > 0, "maxpool2d window " + kernel + " does not fit input " + in[0]);
    return new TensorType(DType.FLOAT, new int[] {in[0].shape()[0], h, w});
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    int oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1;
    Tensor y = Tensor.zeros(n, c, oh, ow);
    int[] arg = new int[y.size()];
    for (int bc = 0; bc < n * c; bc++) {
      for (int r = 0; r < oh; r++) {
        for (int q = 0; q < ow; q++) {
          double best = Double.NEGATIVE_INFINITY;
          int bi = -1;
          for (int i = 0; i < kernel; i++) {
            for (int j = 0; j < kernel; j++) {
              int idx = bc * h * w + (r * stride + i) * w + q * stride + j;
              if (x.data[idx] > best) {
                best = x.data[idx];
                bi = idx;
              }
            }
          }
          int o = bc * oh * ow + r * ow + q;
          y.data[o] = best;
          arg[o] = bi;
        }
      }
    }
    cache.a = arg;
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    int[] arg = (int[]) cache.a;
    if (gIn[0] != null) {
      for (int i = 0; i < arg.length; i++) {
        gIn[0].data[arg[i]] += g.data[i];
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return (long) out.elements() * kernel * kernel; }
}
