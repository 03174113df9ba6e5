package org.sparkfusion.dagtrain;

import java.util.HashMap;
import java.util.Map;

/** Per-stage optimizer over the stage's own parameters: SGD with momentum, or Adam. */
final class Optimizer {
  enum Kind { SGD, ADAM }

  final Kind kind;
  final double lr;
  final double momentum;
  final double beta1 = 0.9;
  final double beta2 = 0.999;
  final double eps = 1e-8;
  int t;
  final Map<String, double[][]> m = new HashMap<>();
  final Map<String, double[][]> v = new HashMap<>();

  Optimizer(Kind kind, double lr, double momentum) {
    if (!(lr > 0)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + lr);
    }
    this.kind = kind;
    this.lr = lr;
    this.momentum = momentum;
  }

  static Optimizer parse(String name, double lr) {
    return switch (name.toLowerCase()) {
      case "sgd" -> new Optimizer(Kind.SGD, lr, 0.9);
      case "adam" -> new Optimizer(Kind.ADAM, lr, 0);
      default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (expected sgd or adam)");
    };
  }

  void step(StageRunner stage) {
    t++;
    for (Map.Entry<String, Tensor[]> e : stage.params.entrySet()) {
      Tensor[] ps = e.getValue();
      Tensor[] gs = stage.grads.get(e.getKey());
      double[][] ms = m.computeIfAbsent(e.getKey(), k -> alloc(ps));
      double[][] vs = v.computeIfAbsent(e.getKey(), k -> alloc(ps));
      for (int k = 0; k < ps.length; k++) {
        double[] p = ps[k].data;
        double[] g = gs[k].data;
        double[] mk = ms[k];
        double[] vk = vs[k];
        if (kind == Kind.SGD) {
          for (int i = 0; i < p.length; i++) {
            mk[i] = momentum * mk[i] + g[i];
            p[i] -= lr * mk[i];
          }
        } else {
          double c1 = 1 - Math.pow(beta1, t);
          double c2 = 1 - Math.pow(beta2, t);
          for (int i = 0; i < p.length; i++) {
            mk[i] = beta1 * mk[i] + (1 - beta1) * g[i];
            vk[i] = beta2 * vk[i] + (1 - beta2) * g[i] * g[i];
            p[i] -= lr * (mk[i] / c1) / (Math.sqrt(vk[i] / c2) + eps);
          }
        }
      }
    }
    stage.zeroGrads();
  }

  private static double[][] alloc(Tensor[] ps) {
    double[][] a = new double[ps.length][];
    for (int k = 0; k < ps.length; k++) {
      a[k] = new double[ps[k].size()];
    }
    return a;
  }
}
