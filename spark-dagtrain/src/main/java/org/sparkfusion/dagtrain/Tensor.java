package org.sparkfusion.dagtrain;

import java.util.Arrays;

/** A dense row-major tensor of doubles; the first dimension is the batch at run time. Engine-agnostic. */
final class Tensor {
  final int[] shape;
  final double[] data;

  Tensor(int[] shape, double[] data) {
    if (data.length != size(shape)) {
      throw new IllegalArgumentException("data length " + data.length + " does not match shape " + Arrays.toString(shape));
    }
    this.shape = shape.clone();
    this.data = data;
  }

  static Tensor zeros(int... shape) {
    return new Tensor(shape, new double[size(shape)]);
  }

  static int size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
    }
    return (int) n;
  }

  int size() {
    return data.length;
  }

  int dim(int i) {
    return shape[i < 0 ? shape.length + i : i];
  }

  int batch() {
    return shape[0];
  }

  Tensor copy() {
    return new Tensor(shape, data.clone());
  }

  Tensor zerosLike() {
    return zeros(shape);
  }

  void addInPlace(Tensor other) {
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException("shape " + Arrays.toString(other.shape) + " added to " + Arrays.toString(shape));
    }
    for (int i = 0; i < data.length; i++) {
      data[i] += other.data[i];
    }
  }

  /** The rows with batch index in [from, to). */
  Tensor slice(int from, int to) {
    int per = data.length / Math.max(1, shape[0]);
    int[] s = shape.clone();
    s[0] = to - from;
    return new Tensor(s, Arrays.copyOfRange(data, from * per, to * per));
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
