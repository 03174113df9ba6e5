package org.sparkfusion.dagtrain;

import java.util.Map;

/**
 * Batch norm (statistics per channel over the batch and spatial positions; channel = dimension 1 of the
 * batch tensor) or layer norm (statistics per row over the last dimension). Both learn gamma and beta.
 * Batch statistics are those of the micro-batch, in training and evaluation alike.
 */
final class NormOp extends Op {
  enum Kind { BATCH, LAYER }

  static final double EPS = 1e-5;
  final Kind kind;
  final int features;
  /** Added to the variance before the square root; {@link #EPS} unless given (imported SameDiff layer norms: 1e-12). */
  final double eps;

  NormOp(Kind kind, int features) {
    this(kind, features, EPS);
  }

  NormOp(Kind kind, int features, double eps) {
    require(features > 0, "norm needs positive features");
    require(eps > 0 && eps < 1, "norm eps must be in (0,1), got " + eps);
    this.kind = kind;
    this.features = features;
    this.eps = eps;
  }

  @Override String type() { return kind == Kind.BATCH ? "batchnorm" : "layernorm"; }

  @Override Map<String, Object> attrs() {
    return eps == EPS ? Map.of("features", features) : Map.of("features", features, "eps", eps);
  }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT, type() + " input must be float, got " + in[0]);
    int f = kind == Kind.BATCH ? in[0].shape()[0] : in[0].last();
    require(f == features, type() + " expects " + features + " features, input is " + in[0]);
    return in[0];
  }

  @Override ParamSpec[] params(TensorType[] in) {
    return new ParamSpec[] {ParamSpec.ones("gamma", features), ParamSpec.zeros("beta", features)};
  }

  /** For group g and element index e within the group, the flat position. Groups are features. */
  private int[][] groups(Tensor x) {
    int n = x.dim(0);
    if (kind == Kind.LAYER) {
      int rows = x.size() / features;
      int[][] idx = new int[rows][features];
      for (int r = 0; r < rows; r++) {
        for (int f = 0; f < features; f++) {
          idx[r][f] = r * features + f;
        }
      }
      return idx;
    }
    int inner = x.size() / (n * features);
    int[][] idx = new int[features][n * inner];
    for (int c = 0; c < features; c++) {
      int k = 0;
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < inner; i++) {
          idx[c][k++] = (b * features + c) * inner + i;
        }
      }
    }
    return idx;
  }

  private int featureOf(int group, int member, int[][] idx, Tensor x) {
    if (kind == Kind.LAYER) {
      return member;
    }
    return group;
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    int[][] idx = groups(x);
    double[] xhat = new double[x.size()];
    double[] invStd = new double[idx.length];
    Tensor y = x.zerosLike();
    for (int g = 0; g < idx.length; g++) {
      int[] members = idx[g];
      double mean = 0;
      for (int i : members) {
        mean += x.data[i];
      }
      mean /= members.length;
      double var = 0;
      for (int i : members) {
        double d = x.data[i] - mean;
        var += d * d;
      }
      var /= members.length;
      invStd[g] = 1 / Math.sqrt(var + eps);
      for (int m = 0; m < members.length; m++) {
        int i = members[m];
        int f = featureOf(g, m, idx, x);
        xhat[i] = (x.data[i] - mean) * invStd[g];
        y.data[i] = xhat[i] * p[0].data[f] + p[1].data[f];
      }
    }
    cache.a = xhat;
    cache.b = invStd;
    cache.c = idx;
    return y;
  }

  @Override void backward(Tensor gOut, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    double[] xhat = (double[]) cache.a;
    double[] invStd = (double[]) cache.b;
    int[][] idx = (int[][]) cache.c;
    for (int g = 0; g < idx.length; g++) {
      int[] members = idx[g];
      double sumDxhat = 0;
      double sumDxhatXhat = 0;
      double[] dxhat = new double[members.length];
      for (int m = 0; m < members.length; m++) {
        int i = members[m];
        int f = featureOf(g, m, idx, in[0]);
        gP[0].data[f] += gOut.data[i] * xhat[i];
        gP[1].data[f] += gOut.data[i];
        dxhat[m] = gOut.data[i] * p[0].data[f];
        sumDxhat += dxhat[m];
        sumDxhatXhat += dxhat[m] * xhat[i];
      }
      if (gIn[0] != null) {
        int n = members.length;
        for (int m = 0; m < n; m++) {
          int i = members[m];
          gIn[0].data[i] += invStd[g] / n * (n * dxhat[m] - sumDxhat - xhat[i] * sumDxhatXhat);
        }
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return 8L * in[0].elements(); }
}
