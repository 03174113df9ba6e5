package org.sparkfusion.dlrm.checkpoint;

import java.util.Arrays;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;

/** One named fp32 tensor of a model, row-major (C order). */
public final class Tensor {
  private final String name;
  private final long[] shape;
  private final CacheAlignedRows values;
  private final int size;

  public Tensor(String name, long[] shape, float[] data) {
    this(name, shape, new CacheAlignedRows(data, 0), data.length);
  }

  /** A tensor whose {@code size} values live in {@code values.array()} from {@code values.base()} on. */
  public Tensor(String name, long[] shape, CacheAlignedRows values, int size) {
    this.name = name;
    this.shape = shape.clone();
    this.values = values;
    this.size = size;
    long n;
    try {
      n = Shapes.elementCount("Tensor " + name, shape);
    } catch (CheckpointFormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (n != size || values.base() < 0 || values.array().length - values.base() < size) {
      throw new IllegalArgumentException("Tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + n
          + " values but " + size + " were given (in an array of " + values.array().length + " from "
          + values.base() + ")");
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

  /**
   * The values, exactly {@code size()} of them: the storage itself when it holds nothing else (callers must not
   * modify it), else a copy.
   */
  public float[] data() {
    float[] a = values.array();
    return values.base() == 0 && a.length == size ? a : Arrays.copyOfRange(a, values.base(), values.base() + size);
  }

  /** The values where they are stored, from {@code storage().base()} on; shared, callers must not modify. */
  public CacheAlignedRows storage() {
    return values;
  }

  /** Number of values. */
  public int size() {
    return size;
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
