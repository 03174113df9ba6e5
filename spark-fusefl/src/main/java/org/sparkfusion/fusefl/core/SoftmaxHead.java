package org.sparkfusion.fusefl.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A linear softmax classifier y = softmax(W f + b) in plain Java, the fused model's shared head. */
public final class SoftmaxHead {
  private static final int MAGIC = 0x46484431; // "FHD1"
  private final int classes;
  private final int dim;
  final float[] weights; // classes x dim
  final float[] bias;

  public SoftmaxHead(int classes, int dim) {
    this.classes = classes;
    this.dim = dim;
    this.weights = new float[classes * dim];
    this.bias = new float[classes];
  }

  public int classes() {
    return classes;
  }

  public int dim() {
    return dim;
  }

  /** Reads the weights of a DL4J OutputLayer (W is dim x classes, b is 1 x classes). */
  public static SoftmaxHead fromOutputLayer(MultiLayerNetwork net, int layerIndex) {
    INDArray w = net.getLayer(layerIndex).getParam("W");
    INDArray b = net.getLayer(layerIndex).getParam("b");
    int dim = (int) w.size(0);
    int classes = (int) w.size(1);
    SoftmaxHead head = new SoftmaxHead(classes, dim);
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < dim; j++) {
        head.weights[c * dim + j] = w.getFloat(j, c);
      }
      head.bias[c] = b.getFloat(c);
    }
    return head;
  }

  /** Element-wise mean of heads of equal shape (FuseFL's classifier averaging). */
  public static SoftmaxHead average(List<SoftmaxHead> heads) {
    SoftmaxHead first = heads.get(0);
    SoftmaxHead avg = new SoftmaxHead(first.classes, first.dim);
    for (SoftmaxHead h : heads) {
      if (h.classes != first.classes || h.dim != first.dim) {
        throw new IllegalArgumentException("classifier heads differ in shape");
      }
      for (int i = 0; i < avg.weights.length; i++) {
        avg.weights[i] += h.weights[i] / heads.size();
      }
      for (int i = 0; i < avg.bias.length; i++) {
        avg.bias[i] += h.bias[i] / heads.size();
      }
    }
    return avg;
  }

  /**
   * A head over the concatenation of {@code copies} feature vectors whose column blocks all equal
   * {@code head}'s weights: on concatenated inputs it gives the same logits as {@code head} on their sum.
   */
  public static SoftmaxHead tile(SoftmaxHead head, int copies) {
    SoftmaxHead t = new SoftmaxHead(head.classes, head.dim * copies);
    for (int c = 0; c < head.classes; c++) {
      for (int m = 0; m < copies; m++) {
        System.arraycopy(head.weights, c * head.dim, t.weights, c * t.dim + m * head.dim, head.dim);
      }
    }
    System.arraycopy(head.bias, 0, t.bias, 0, head.classes);
    return t;
  }

  /** Class probabilities of one feature vector. */
  public double[] probabilities(float[] f, int offset) {
    double[] z = new double[classes];
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      double s = bias[c];
      int base = c * dim;
      for (int j = 0; j < dim; j++) {
        s += weights[base + j] * f[offset + j];
      }
      z[c] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (int c = 0; c < classes; c++) {
      z[c] /= sum;
    }
    return z;
  }

  /**
   * Mini-batch SGD with momentum on cross-entropy, one pass per epoch over {@code features} (n x dim) in a
   * seeded random order.
   */
  public void train(float[] features, int[] labels, int epochs, int batchSize, double lr, double momentum, long seed) {
    int n = labels.length;
    float[] vw = new float[weights.length];
    float[] vb = new float[bias.length];
    float[] gw = new float[weights.length];
    float[] gb = new float[bias.length];
    SplittableRandom rng = new SplittableRandom(seed);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int e = 0; e < epochs; e++) {
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int from = 0; from < n; from += batchSize) {
        int to = Math.min(n, from + batchSize);
        java.util.Arrays.fill(gw, 0f);
        java.util.Arrays.fill(gb, 0f);
        for (int t = from; t < to; t++) {
          int row = order[t];
          double[] p = probabilities(features, row * dim);
          p[labels[row]] -= 1;
          for (int c = 0; c < classes; c++) {
            float g = (float) p[c];
            gb[c] += g;
            int base = c * dim;
            for (int j = 0; j < dim; j++) {
              gw[base + j] += g * features[row * dim + j];
            }
          }
        }
        float scale = 1f / (to - from);
        for (int i = 0; i < weights.length; i++) {
          vw[i] = (float) (momentum * vw[i] - lr * gw[i] * scale);
          weights[i] += vw[i];
        }
        for (int i = 0; i < bias.length; i++) {
          vb[i] = (float) (momentum * vb[i] - lr * gb[i] * scale);
          bias[i] += vb[i];
        }
      }
    }
  }

  public void write(DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(classes);
    out.writeInt(dim);
    for (float w : weights) {
      out.writeFloat(w);
    }
    for (float b : bias) {
      out.writeFloat(b);
    }
  }

  public static SoftmaxHead read(DataInputStream in, String what) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("Not a FuseFL classifier head (bad magic number): " + what);
    }
    int classes = in.readInt();
    int dim = in.readInt();
    if (classes < 2 || classes > 100_000 || dim < 1 || dim > 1_000_000) {
      throw new IOException("Implausible classifier head shape " + classes + "x" + dim + " in " + what);
    }
    SoftmaxHead head = new SoftmaxHead(classes, dim);
    for (int i = 0; i < head.weights.length; i++) {
      head.weights[i] = in.readFloat();
    }
    for (int i = 0; i < classes; i++) {
      head.bias[i] = in.readFloat();
    }
    return head;
  }

  public long parameterCount() {
    return weights.length + bias.length;
  }
}
