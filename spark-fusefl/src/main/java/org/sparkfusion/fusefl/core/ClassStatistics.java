package org.sparkfusion.fusefl.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-class first and second moments of feature vectors (count, sum, sum of outer products): what a client
 * sends for CCVR instead of raw samples. Merging is addition; {@link #sample} draws virtual features from the
 * per-class Gaussians N(mean_c, cov_c). On the wire ({@link #toBytes}) counts are int64, sums float64, and the
 * second moments float32 upper triangles for the classes present (the arithmetic stays in float64).
 */
public final class ClassStatistics {
  private final int classes;
  private final int dim;
  final long[] count;
  final double[] sum; // classes x dim
  final double[] outer; // classes x dim x dim

  public ClassStatistics(int classes, int dim) {
    this.classes = classes;
    this.dim = dim;
    this.count = new long[classes];
    this.sum = new double[classes * dim];
    this.outer = new double[classes * dim * dim];
  }

  public void add(float[] features, int offset, int label) {
    count[label]++;
    int sb = label * dim;
    int ob = label * dim * dim;
    for (int i = 0; i < dim; i++) {
      double fi = features[offset + i];
      sum[sb + i] += fi;
      for (int j = 0; j < dim; j++) {
        outer[ob + i * dim + j] += fi * features[offset + j];
      }
    }
  }

  /**
   * Adds {@code rows} feature vectors (row-major, {@code dim} values each) with their labels; the same sums as
   * calling {@link #add} per row, but the outer products as one matrix product per class (OpenBLAS).
   */
  public void addAll(float[] features, int rows, int[] labels, int labelOffset) {
    int[] perClass = new int[classes];
    for (int i = 0; i < rows; i++) {
      perClass[labels[labelOffset + i]]++;
    }
    for (int c = 0; c < classes; c++) {
      if (perClass[c] == 0) {
        continue;
      }
      double[] x = new double[perClass[c] * dim];
      int r = 0;
      for (int i = 0; i < rows; i++) {
        if (labels[labelOffset + i] != c) {
          continue;
        }
        for (int j = 0; j < dim; j++) {
          double v = features[i * dim + j];
          x[r * dim + j] = v;
          sum[c * dim + j] += v;
        }
        r++;
      }
      count[c] += perClass[c];
      INDArray m = Nd4j.create(x, new long[] {perClass[c], dim}, 'c');
      double[] xtx = m.transpose().mmul(m).dup('c').data().asDouble();
      int ob = c * dim * dim;
      for (int k = 0; k < xtx.length; k++) {
        outer[ob + k] += xtx[k];
      }
    }
  }

  public void merge(ClassStatistics other) {
    if (other.classes != classes || other.dim != dim) {
      throw new IllegalArgumentException("class statistics differ in shape");
    }
    for (int i = 0; i < classes; i++) {
      count[i] += other.count[i];
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.sum[i];
    }
    for (int i = 0; i < outer.length; i++) {
      outer[i] += other.outer[i];
    }
  }

  public long count(int c) {
    return count[c];
  }

  public double[] mean(int c) {
    double[] m = new double[dim];
    for (int i = 0; i < dim; i++) {
      m[i] = sum[c * dim + i] / count[c];
    }
    return m;
  }

  /** Unbiased covariance of class {@code c} (zero if it has a single sample). */
  public double[] covariance(int c) {
    double[] m = mean(c);
    double[] cov = new double[dim * dim];
    long n = count[c];
    for (int i = 0; i < dim; i++) {
      for (int j = 0; j < dim; j++) {
        double s = outer[c * dim * dim + i * dim + j] - n * m[i] * m[j];
        cov[i * dim + j] = n > 1 ? s / (n - 1) : 0;
      }
    }
    return cov;
  }

  /**
   * Virtual features: {@code perClass} draws from N(mean_c, cov_c) for every class with data; returns features
   * (rows x dim) in {@code outFeatures[0]} and labels.
   */
  public int[] sample(int perClass, long seed, float[][] outFeatures) {
    SplittableRandom rng = new SplittableRandom(seed);
    int present = 0;
    for (int c = 0; c < classes; c++) {
      if (count[c] > 0) {
        present++;
      }
    }
    float[] feats = new float[present * perClass * dim];
    int[] labels = new int[present * perClass];
    int row = 0;
    for (int c = 0; c < classes; c++) {
      if (count[c] == 0) {
        continue;
      }
      double[] m = mean(c);
      double[] l = cholesky(covariance(c), dim);
      // Virtual rows = Z L^T + mean, with Z standard normal (perClass x dim), as one matrix product.
      double[] zs = new double[perClass * dim];
      for (int i = 0; i < zs.length; i++) {
        zs[i] = DirichletSplit.gaussian(rng);
      }
      INDArray lt = Nd4j.create(l, new long[] {dim, dim}, 'c').transpose();
      double[] v = Nd4j.create(zs, new long[] {perClass, dim}, 'c').mmul(lt).dup('c').data().asDouble();
      for (int s = 0; s < perClass; s++) {
        for (int i = 0; i < dim; i++) {
          feats[row * dim + i] = (float) (v[s * dim + i] + m[i]);
        }
        labels[row++] = c;
      }
    }
    outFeatures[0] = feats;
    return labels;
  }

  /** Lower Cholesky factor of a covariance, with a growing diagonal jitter until it is positive definite. */
  static double[] cholesky(double[] a, int n) {
    double trace = 0;
    for (int i = 0; i < n; i++) {
      trace += a[i * n + i];
    }
    double jitter = Math.max(1e-8, 1e-6 * trace / n);
    for (int attempt = 0; attempt < 20; attempt++, jitter *= 10) {
      double[] l = new double[n * n];
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        for (int j = 0; j <= i; j++) {
          double s = a[i * n + j] + (i == j ? jitter : 0);
          for (int k = 0; k < j; k++) {
            s -= l[i * n + k] * l[j * n + k];
          }
          if (i == j) {
            if (s <= 0) {
              ok = false;
              break;
            }
            l[i * n + i] = Math.sqrt(s);
          } else {
            l[i * n + j] = s / l[j * n + j];
          }
        }
      }
      if (ok) {
        return l;
      }
    }
    return new double[n * n];
  }

  public byte[] toBytes() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(classes);
      out.writeInt(dim);
      for (long c : count) {
        out.writeLong(c);
      }
      for (double s : sum) {
        out.writeDouble(s);
      }
      // Second moments: symmetric, so only the upper triangle (diagonal included), as float32, and only for
      // classes this client holds (4x fewer bytes than the full float64 matrices, more for missing classes).
      for (int c = 0; c < classes; c++) {
        if (count[c] == 0) {
          continue;
        }
        int base = c * dim * dim;
        for (int i = 0; i < dim; i++) {
          for (int j = i; j < dim; j++) {
            out.writeFloat((float) outer[base + i * dim + j]);
          }
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ClassStatistics fromBytes(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      ClassStatistics s = new ClassStatistics(in.readInt(), in.readInt());
      int dim = s.dim;
      for (int i = 0; i < s.count.length; i++) {
        s.count[i] = in.readLong();
      }
      for (int i = 0; i < s.sum.length; i++) {
        s.sum[i] = in.readDouble();
      }
      for (int c = 0; c < s.classes; c++) {
        if (s.count[c] == 0) {
          continue;
        }
        int base = c * dim * dim;
        for (int i = 0; i < dim; i++) {
          for (int j = i; j < dim; j++) {
            double v = in.readFloat();
            s.outer[base + i * dim + j] = v;
            s.outer[base + j * dim + i] = v;
          }
        }
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
