package org.sparkfusion.dagtrain;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Multi-head causal self-attention over a [T, D] sequence: qkv = x Wqkv + bqkv, per head
 * softmax(q k^T / sqrt(dh) with future positions masked) v, concatenated and projected by Wo, bo.
 */
final class CausalSelfAttentionOp extends Op {
  final int dim;
  final int heads;

  CausalSelfAttentionOp(int dim, int heads) {
    require(dim > 0 && heads > 0 && dim % heads == 0, "causal_self_attention needs dim divisible by heads, got dim="
        + dim + " heads=" + heads);
    this.dim = dim;
    this.heads = heads;
  }

  @Override String type() { return "causal_self_attention"; }

  @Override Map<String, Object> attrs() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dim", dim);
    m.put("heads", heads);
    return m;
  }

  @Override int arity() { return 1; }

  @Override TensorType infer(TensorType[] in) {
    require(in[0].dtype() == DType.FLOAT && in[0].rank() == 2 && in[0].last() == dim,
        "causal_self_attention expects float[T, " + dim + "], got " + in[0]);
    return in[0];
  }

  @Override ParamSpec[] params(TensorType[] in) {
    double std = 1.0 / Math.sqrt(dim);
    return new ParamSpec[] {ParamSpec.normal("wqkv", std, dim, 3 * dim), ParamSpec.zeros("bqkv", 3 * dim),
        ParamSpec.normal("wo", std, dim, dim), ParamSpec.zeros("bo", dim)};
  }

  @Override Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node) {
    Tensor x = in[0];
    int n = x.dim(0), t = x.dim(1), dh = dim / heads;
    double scale = 1 / Math.sqrt(dh);
    double[] qkv = new double[n * t * 3 * dim];
    for (int r = 0; r < n * t; r++) {
      System.arraycopy(p[1].data, 0, qkv, r * 3 * dim, 3 * dim);
    }
    Blas.gemm(x.data, 0, p[0].data, 0, qkv, 0, n * t, dim, 3 * dim);
    double[] probs = new double[n * heads * t * t];
    double[] o = new double[n * t * dim];
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < heads; h++) {
        int pOff = (b * heads + h) * t * t;
        for (int i = 0; i < t; i++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int d = 0; d < dh; d++) {
              s += q(qkv, b, i, h, d, t, dh) * k(qkv, b, j, h, d, t, dh);
            }
            s *= scale;
            probs[pOff + i * t + j] = s;
            max = Math.max(max, s);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            double e = Math.exp(probs[pOff + i * t + j] - max);
            probs[pOff + i * t + j] = e;
            sum += e;
          }
          for (int j = 0; j <= i; j++) {
            probs[pOff + i * t + j] /= sum;
          }
          for (int d = 0; d < dh; d++) {
            double acc = 0;
            for (int j = 0; j <= i; j++) {
              acc += probs[pOff + i * t + j] * v(qkv, b, j, h, d, t, dh);
            }
            o[(b * t + i) * dim + h * dh + d] = acc;
          }
        }
      }
    }
    Tensor y = x.zerosLike();
    for (int r = 0; r < n * t; r++) {
      System.arraycopy(p[3].data, 0, y.data, r * dim, dim);
    }
    Blas.gemm(o, 0, p[2].data, 0, y.data, 0, n * t, dim, dim);
    cache.a = qkv;
    cache.b = probs;
    cache.c = o;
    return y;
  }

  private int qkvIndex(int b, int i, int part, int h, int d, int t, int dh) {
    return (b * t + i) * 3 * dim + part * dim + h * dh + d;
  }

  private double q(double[] a, int b, int i, int h, int d, int t, int dh) { return a[qkvIndex(b, i, 0, h, d, t, dh)]; }

  private double k(double[] a, int b, int i, int h, int d, int t, int dh) { return a[qkvIndex(b, i, 1, h, d, t, dh)]; }

  private double v(double[] a, int b, int i, int h, int d, int t, int dh) { return a[qkvIndex(b, i, 2, h, d, t, dh)]; }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    Tensor x = in[0];
    int n = x.dim(0), t = x.dim(1), dh = dim / heads;
    double scale = 1 / Math.sqrt(dh);
    double[] qkv = (double[]) cache.a;
    double[] probs = (double[]) cache.b;
    double[] o = (double[]) cache.c;
    int rows = n * t;
    Blas.gemmAT(o, 0, g.data, 0, gP[2].data, 0, rows, dim, dim);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < dim; j++) {
        gP[3].data[j] += g.data[r * dim + j];
      }
    }
    double[] dO = new double[rows * dim];
    Blas.gemmBT(g.data, 0, p[2].data, 0, dO, 0, rows, dim, dim);
    double[] dqkv = new double[rows * 3 * dim];
    double[] dP = new double[t];
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < heads; h++) {
        int pOff = (b * heads + h) * t * t;
        for (int i = 0; i < t; i++) {
          double dot = 0;
          for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int d = 0; d < dh; d++) {
              s += dO[(b * t + i) * dim + h * dh + d] * v(qkv, b, j, h, d, t, dh);
            }
            dP[j] = s;
            dot += s * probs[pOff + i * t + j];
          }
          for (int j = 0; j <= i; j++) {
            double pij = probs[pOff + i * t + j];
            double dS = pij * (dP[j] - dot) * scale;
            for (int d = 0; d < dh; d++) {
              dqkv[qkvIndex(b, j, 2, h, d, t, dh)] += pij * dO[(b * t + i) * dim + h * dh + d];
              dqkv[qkvIndex(b, i, 0, h, d, t, dh)] += dS * k(qkv, b, j, h, d, t, dh);
              dqkv[qkvIndex(b, j, 1, h, d, t, dh)] += dS * q(qkv, b, i, h, d, t, dh);
            }
          }
        }
      }
    }
    Blas.gemmAT(x.data, 0, dqkv, 0, gP[0].data, 0, rows, dim, 3 * dim);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < 3 * dim; j++) {
        gP[1].data[j] += dqkv[r * 3 * dim + j];
      }
    }
    if (gIn[0] != null) {
      Blas.gemmBT(dqkv, 0, p[0].data, 0, gIn[0].data, 0, rows, 3 * dim, dim);
    }
  }

  @Override long flops(TensorType[] in, TensorType out) {
    long t = in[0].shape()[0];
    return 2 * t * dim * 3L * dim + 2 * t * t * dim + 2 * t * dim * (long) dim;
  }
}
