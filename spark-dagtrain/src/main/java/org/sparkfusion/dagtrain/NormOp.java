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
    if (kind == Kind.LAYER) {
      return layerForward(in[0], p, cache);
    }
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
    if (kind == Kind.LAYER) {
      layerBackward(gOut, p, cache, gIn, gP);
      return;
    }
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

  /**
   * Layer norm over contiguous rows: the same arithmetic, in the same order, as the grouped path (a group is a row,
   * its members the row's features), without the index tables.
   */
  private Tensor layerForward(Tensor x, Tensor[] p, OpCache cache) {
    int rows = x.size() / features;
    double[] xs = x.data;
    double[] xhat = new double[xs.length];
    double[] invStd = new double[rows];
    double[] gamma = p[0].data;
    double[] beta = p[1].data;
    Tensor y = x.zerosLike();
    double[] ys = y.data;
    for (int r = 0; r < rows; r++) {
      int o = r * features;
      double mean = 0;
      for (int f = 0; f < features; f++) {
        mean += xs[o + f];
      }
      mean /= features;
      double var = 0;
      for (int f = 0; f < features; f++) {
        double d = xs[o + f] - mean;
        var += d * d;
      }
      var /= features;
      double is = 1 / Math.sqrt(var + eps);
      invStd[r] = is;
      for (int f = 0; f < features; f++) {
        double h = (xs[o + f] - mean) * is;
        xhat[o + f] = h;
        ys[o + f] = h * gamma[f] + beta[f];
      }
    }
    cache.a = xhat;
    cache.b = invStd;
    return y;
  }

  private void layerBackward(Tensor gOut, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    double[] xhat = (double[]) cache.a;
    double[] invStd = (double[]) cache.b;
    double[] go = gOut.data;
    double[] gamma = p[0].data;
    double[] gGamma = gP[0].data;
    double[] gBeta = gP[1].data;
    double[] gx = gIn[0] == null ? null : gIn[0].data;
    double[] dxhat = new double[features];
    int n = features;
    for (int r = 0; r < invStd.length; r++) {
      int o = r * features;
      double sumDxhat = 0;
      double sumDxhatXhat = 0;
      for (int f = 0; f < features; f++) {
        double gv = go[o + f];
        gGamma[f] += gv * xhat[o + f];
        gBeta[f] += gv;
        double d = gv * gamma[f];
        dxhat[f] = d;
        sumDxhat += d;
        sumDxhatXhat += d * xhat[o + f];
      }
      if (gx != null) {
        double is = invStd[r];
        for (int f = 0; f < features; f++) {
          gx[o + f] += is / n * (n * dxhat[f] - sumDxhat - xhat[o + f] * sumDxhatXhat);
        }
      }
    }
  }

  @Override long flops(TensorType[] in, TensorType out) { return 8L * in[0].elements(); }
}
