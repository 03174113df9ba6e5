package org.sparkfusion.dagtrain;

import java.util.Map;
import java.util.SplittableRandom;

/** Inverted dropout; the mask depends only on (seed, node, step, micro-batch), never on placement. */
final class DropoutOp extends Op {
  final double rate;

  DropoutOp(double rate) {
    require(rate >= 0 && rate < 1, "dropout rate must be in [0,1), got " + rate);
    this.rate = rate;
  }

  @Override String type() { return "dropout"; }

  @Override Map<String, Object> attrs() { return Map.of("rate", rate); }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT, "dropout input must be float, got " + in[0]);
    return in[0];
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    Tensor y = x.zerosLike();
    double[] mask = new double[x.size()];
    SplittableRandom r = new SplittableRandom(ctx.seedFor(node));
    double keep = 1 - rate;
    for (int i = 0; i < mask.length; i++) {
      mask[i] = !ctx.training() || rate == 0 ? 1 : (r.nextDouble() < keep ? 1 / keep : 0);
      y.data[i] = x.data[i] * mask[i];
    }
    cache.a = mask;
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    double[] mask = (double[]) cache.a;
    if (gIn[0] != null) {
      for (int i = 0; i < mask.length; i++) {
        gIn[0].data[i] += g.data[i] * mask[i];
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return in[0].elements(); }
}
