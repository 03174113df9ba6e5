package org.sparkfusion.dagtrain;

import java.util.Map;

/**
 * Element-wise ReLU, GELU in its tanh form 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))) (GPT-2's), or GELU in its
 * sigmoid form x*sigmoid(1.702x) (DL4J's and SameDiff's default {@code gelu}); the two differ by up to ~0.02, so an
 * imported model keeps its own.
 */
final class ActivationOp extends Op {
  enum Kind { RELU, GELU, GELU_SIGMOID }

  final Kind kind;

  ActivationOp(Kind kind) {
    this.kind = kind;
  }

  @Override String type() {
    return switch (kind) {
      case RELU -> "relu";
      case GELU -> "gelu";
      case GELU_SIGMOID -> "gelu_sigmoid";
    };
  }

  @Override Map<String, Object> attrs() { return Map.of(); }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT, type() + " input must be float, got " + in[0]);
    return in[0];
  }

  private static final double C = Math.sqrt(2 / Math.PI);
  private static final double K = 1.702;

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    double[] x = in[0].data;
    Tensor y = in[0].zerosLike();
    double[] out = y.data;
    switch (kind) {
      case RELU -> {
        for (int i = 0; i < x.length; i++) {
          out[i] = Math.max(0, x[i]);
        }
      }
      case GELU -> {
        // tanh(u) is kept for the backward pass, which would otherwise evaluate it (one exp) a second time
        double[] th = new double[x.length];
        for (int i = 0; i < x.length; i++) {
          double v = x[i];
          double t = tanh(C * (v + 0.044715 * v * v * v));
          th[i] = t;
          out[i] = 0.5 * v * (1 + t);
        }
        cache.a = th;
      }
      case GELU_SIGMOID -> {
        for (int i = 0; i < x.length; i++) {
          double v = x[i];
          out[i] = v * sigmoid(K * v);
        }
      }
    }
    return y;
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    if (gIn[0] == null) {
      return;
    }
    double[] x = in[0].data;
    double[] gy = g.data;
    double[] gx = gIn[0].data;
    switch (kind) {
      case RELU -> {
        for (int i = 0; i < x.length; i++) {
          gx[i] += x[i] > 0 ? gy[i] : 0;
        }
      }
      case GELU_SIGMOID -> {
        for (int i = 0; i < x.length; i++) {
          double v = x[i];
          double s = sigmoid(K * v);
          gx[i] += gy[i] * (s + K * v * s * (1 - s));
        }
      }
      case GELU -> {
        double[] th = (double[]) cache.a;
        for (int i = 0; i < x.length; i++) {
          double v = x[i];
          double t = th[i];
          gx[i] += gy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * C * (1 + 3 * 0.044715 * v * v));
        }
      }
    }
  }

  /**
   * tanh through the JIT's exp intrinsic (Math.tanh is not intrinsified on Java 17 and costs ~5x more);
   * agrees with Math.tanh to a few ulps of 1.
   */
  static double tanh(double u) {
    if (u > 20) {
      return 1;
    }
    if (u < -20) {
      return -1;
    }
    if (Math.abs(u) < 1e-3) {
      return u * (1 - u * u / 3);
    }
    return 1 - 2 / (Math.exp(2 * u) + 1);
  }

  static double sigmoid(double u) {
    return 1 / (1 + Math.exp(-u));
  }

  @Override long flops(TensorType[] in, TensorType out) {
    return (kind == Kind.RELU ? 1L : 10L) * in[0].elements();
  }
}
