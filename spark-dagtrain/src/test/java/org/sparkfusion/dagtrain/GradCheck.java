package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

/** Compares an op's backward with central finite differences of L = sum(out * R). */
final class GradCheck {
  private GradCheck() {}

  static void check(Op op, int batch, TensorType... inTypes) {
    SplittableRandom r = new SplittableRandom(42);
    TensorType outType = op.infer(inTypes);
    Tensor[] in = new Tensor[inTypes.length];
    for (int i = 0; i < in.length; i++) {
      in[i] = Tensor.zeros(Op.batchShape(batch, inTypes[i].shape()));
      for (int k = 0; k < in[i].size(); k++) {
        in[i].data[k] = inTypes[i].dtype() == DType.INT ? r.nextInt(vocabFor(op, inTypes, i)) : r.nextDouble(-1, 1);
      }
    }
    ParamSpec[] specs = op.params(inTypes);
    Tensor[] p = new Tensor[specs.length];
    for (int k = 0; k < p.length; k++) {
      p[k] = Tensor.zeros(specs[k].shape());
      for (int j = 0; j < p[k].size(); j++) {
        p[k].data[j] = r.nextDouble(-0.8, 0.8) + (specs[k].init() == ParamSpec.Init.ONES ? 1 : 0);
      }
    }
    RunContext ctx = new RunContext(7, 3, 1, true);
    Tensor y = op.forward(in, p, new OpCache(), ctx, "n");
    int[] expected = op.isLoss() ? new int[] {1} : Op.batchShape(batch, outType.shape());
    assertThat(y.shape).as("output shape").isEqualTo(expected);
    Tensor weights = y.zerosLike();
    for (int k = 0; k < weights.size(); k++) {
      weights.data[k] = r.nextDouble(-1, 1);
    }
    OpCache cache = new OpCache();
    op.forward(in, p, cache, ctx, "n");
    Tensor[] gIn = new Tensor[in.length];
    for (int i = 0; i < in.length; i++) {
      gIn[i] = inTypes[i].dtype() == DType.FLOAT ? in[i].zerosLike() : null;
    }
    Tensor[] gP = new Tensor[p.length];
    for (int k = 0; k < p.length; k++) {
      gP[k] = p[k].zerosLike();
    }
    op.backward(weights, in, p, cache, gIn, gP);
    for (int i = 0; i < in.length; i++) {
      if (gIn[i] != null) {
        compare(op, in, p, weights, ctx, in[i], gIn[i], "input " + i);
      }
    }
    for (int k = 0; k < p.length; k++) {
      compare(op, in, p, weights, ctx, p[k], gP[k], "param " + specs[k].name());
    }
  }

  private static int vocabFor(Op op, TensorType[] in, int i) {
    if (op instanceof EmbeddingOp e) {
      return e.vocab;
    }
    return in[0].last();
  }

  private static void compare(Op op, Tensor[] in, Tensor[] p, Tensor w, RunContext ctx, Tensor target, Tensor analytic,
      String what) {
    double eps = 1e-5;
    SplittableRandom r = new SplittableRandom(1);
    int checks = Math.min(target.size(), 25);
    for (int c = 0; c < checks; c++) {
      int k = target.size() <= 25 ? c : r.nextInt(target.size());
      double old = target.data[k];
      target.data[k] = old + eps;
      double plus = dot(op.forward(in, p, new OpCache(), ctx, "n"), w);
      target.data[k] = old - eps;
      double minus = dot(op.forward(in, p, new OpCache(), ctx, "n"), w);
      target.data[k] = old;
      double numeric = (plus - minus) / (2 * eps);
      double a = analytic.data[k];
      assertThat(Math.abs(a - numeric))
          .as("%s %s[%d]: analytic %s vs numeric %s", op.type(), what, k, a, numeric)
          .isLessThanOrEqualTo(1e-6 + 1e-4 * Math.max(Math.abs(a), Math.abs(numeric)));
    }
  }

  private static double dot(Tensor a, Tensor b) {
    double s = 0;
    for (int i = 0; i < a.size(); i++) {
      s += a.data[i] * b.data[i];
    }
    return s;
  }
}
