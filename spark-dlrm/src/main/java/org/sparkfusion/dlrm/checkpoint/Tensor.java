package org.sparkfusion.dlrm.checkpoint;

import java.util.Arrays;

/** One named fp32 tensor of a model, row-major (C order). */
public final class Tensor {
  private final String name;
  private final long[] shape;
  private final float[] data;

  public Tensor(String name, long[] shape, float[] data) {
    this.name = name;
    this.shape = shape.clone();
    this.data = data;
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("Tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + n
          + " values but " + data.length + " were given");
    }
  }

  public String name() {
    return name;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  /** The values; shared, not copied: callers must not modify. */
  public float[] data() {
    return data;
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
