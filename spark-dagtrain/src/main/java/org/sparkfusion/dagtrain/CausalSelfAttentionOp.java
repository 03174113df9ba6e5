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
    Gemm.nn(x.data, p[0].data, qkv, n * t, dim, 3 * dim);
    double[] probs = new double[n * heads * t * t];
    double[] o = new double[n * t * dim];
    // per (sequence, head): contiguous copies, so the products run through Blas's vectorised kernels
    double[] qc = new double[t * dh];
    double[] kt = new double[dh * t];
    double[] vc = new double[t * dh];
    double[] oc = new double[t * dh];
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < heads; h++) {
        gather(qkv, b, h, 0, t, dh, qc);
        for (int k = 0; k < qc.length; k++) {
          qc[k] *= scale;
        }
        gather(qkv, b, h, 2, t, dh, vc);
        for (int j = 0; j < t; j++) {
          int src = (b * t + j) * 3 * dim + dim + h * dh;
          for (int d = 0; d < dh; d++) {
            kt[d * t + j] = qkv[src + d];
          }
        }
        int pOff = (b * heads + h) * t * t;
        // scores q k^T / sqrt(dh) on and below the diagonal; the rest of the row stays 0
        Blas.gemmLowerC(qc, 0, kt, 0, probs, pOff, t, dh);
        for (int i = 0; i < t; i++) {
          int row = pOff + i * t;
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            max = Math.max(max, probs[row + j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            double e = Math.exp(probs[row + j] - max);
            probs[row + j] = e;
            sum += e;
          }
          double inv = 1 / sum;
          for (int j = 0; j <= i; j++) {
            probs[row + j] *= inv;
          }
        }
        java.util.Arrays.fill(oc, 0);
        Blas.gemmLowerA(probs, pOff, vc, 0, oc, 0, t, t, dh);
        for (int i = 0; i < t; i++) {
          System.arraycopy(oc, i * dh, o, (b * t + i) * dim + h * dh, dh);
        }
      }
    }
    Tensor y = x.zerosLike();
    for (int r = 0; r < n * t; r++) {
      System.arraycopy(p[3].data, 0, y.data, r * dim, dim);
    }
    Gemm.nn(o, p[2].data, y.data, n * t, dim, dim);
    cache.a = qkv;
    cache.b = probs;
    cache.c = o;
    return y;
  }

  /** Copies part (0 q, 1 k, 2 v) of head h of sequence b from the qkv rows into a contiguous [t, dh] array. */
  private void gather(double[] qkv, int b, int h, int part, int t, int dh, double[] out) {
    for (int i = 0; i < t; i++) {
      System.arraycopy(qkv, (b * t + i) * 3 * dim + part * dim + h * dh, out, i * dh, dh);
    }
  }

  @Override void backward(Tensor g, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gIn, Tensor[] gP) {
    Tensor x = in[0];
    int n = x.dim(0), t = x.dim(1), dh = dim / heads;
    double scale = 1 / Math.sqrt(dh);
    double[] qkv = (double[]) cache.a;
    double[] probs = (double[]) cache.b;
    double[] o = (double[]) cache.c;
    int rows = n * t;
    Gemm.tn(o, g.data, gP[2].data, rows, dim, dim);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < dim; j++) {
        gP[3].data[j] += g.data[r * dim + j];
      }
    }
    double[] dO = new double[rows * dim];
    Gemm.nt(g.data, p[2].data, dO, rows, dim, dim);
    double[] dqkv = new double[rows * 3 * dim];
    double[] dS = new double[t * t];
    double[] qc = new double[t * dh];
    double[] kc = new double[t * dh];
    double[] vt = new double[dh * t];
    double[] doc = new double[t * dh];
    double[] dq = new double[t * dh];
    double[] dk = new double[t * dh];
    double[] dv = new double[t * dh];
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < heads; h++) {
        gather(qkv, b, h, 0, t, dh, qc);
        gather(qkv, b, h, 1, t, dh, kc);
        for (int j = 0; j < t; j++) {
          int src = (b * t + j) * 3 * dim + 2 * dim + h * dh;
          for (int d = 0; d < dh; d++) {
            vt[d * t + j] = qkv[src + d];
          }
          System.arraycopy(dO, (b * t + j) * dim + h * dh, doc, j * dh, dh);
        }
        int pOff = (b * heads + h) * t * t;
        // dP = dO v^T on and below the diagonal, then dS = P (dP - rowsum(dP P)) / sqrt(dh) in place
        java.util.Arrays.fill(dS, 0);
        Blas.gemmLowerC(doc, 0, vt, 0, dS, 0, t, dh);
        for (int i = 0; i < t; i++) {
          int row = pOff + i * t;
          int ri = i * t;
          double dot = 0;
          for (int j = 0; j <= i; j++) {
            dot += dS[ri + j] * probs[row + j];
          }
          for (int j = 0; j <= i; j++) {
            dS[ri + j] = probs[row + j] * (dS[ri + j] - dot) * scale;
          }
        }
        java.util.Arrays.fill(dq, 0);
        java.util.Arrays.fill(dk, 0);
        java.util.Arrays.fill(dv, 0);
        Blas.gemmATLowerA(probs, pOff, doc, 0, dv, 0, t, t, dh); // dv = P^T dO
        Blas.gemmLowerA(dS, 0, kc, 0, dq, 0, t, t, dh); // dq = dS k
        Blas.gemmATLowerA(dS, 0, qc, 0, dk, 0, t, t, dh); // dk = dS^T q
        for (int j = 0; j < t; j++) {
          int dst = (b * t + j) * 3 * dim + h * dh;
          System.arraycopy(dq, j * dh, dqkv, dst, dh);
          System.arraycopy(dk, j * dh, dqkv, dst + dim, dh);
          System.arraycopy(dv, j * dh, dqkv, dst + 2 * dim, dh);
        }
      }
    }
    Gemm.tn(x.data, dqkv, gP[0].data, rows, dim, 3 * dim);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < 3 * dim; j++) {
        gP[1].data[j] += dqkv[r * 3 * dim + j];
      }
    }
    if (gIn[0] != null) {
      Gemm.nt(dqkv, p[0].data, gIn[0].data, rows, 3 * dim, dim);
    }
  }

  @Override long flops(TensorType[] in, TensorType out) {
    long t = in[0].shape()[0];
    return 2 * t * dim * 3L * dim + 2 * t * t * dim + 2 * t * dim * (long) dim;
  }
}
