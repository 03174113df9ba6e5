package org.sparkfusion.dlrm.core;

/** One Linear layer y = x W^T + b with its activation, weights stored transposed ([in][out]) for row batches. */
final class DenseLayer {
  enum Activation { RELU, SIGMOID }

  final int in;
  final int out;
  final float[] weightInOut;
  final float[] bias;
  final Activation activation;

  DenseLayer(int in, int out, float[] torchWeightOutIn, float[] bias, Activation activation) {
    this.in = in;
    this.out = out;
    this.bias = bias.clone();
    this.activation = activation;
    this.weightInOut = new float[in * out];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        weightInOut[i * out + o] = torchWeightOutIn[o * in + i];
      }
    }
  }

  /** Applies the layer to {@code n} rows of {@code x} (n x in) into {@code y} (n x out). */
  void apply(int n, float[] x, float[] y) {
    Gemm.affine(n, in, out, x, weightInOut, bias, y);
    if (activation == Activation.RELU) {
      for (int k = 0, m = n * out; k < m; k++) {
        if (y[k] < 0f) {
          y[k] = 0f;
        }
      }
    } else {
      for (int k = 0, m = n * out; k < m; k++) {
        y[k] = (float) (1.0 / (1.0 + Math.exp(-y[k])));
      }
    }
  }
}
