package org.sparkfusion.dagtrain;

import java.util.Arrays;

/** Per-sample shape (without the batch dimension) and element type of a graph edge. */
public record TensorType(DType dtype, int[] shape) {
  public TensorType {
    shape = shape.clone();
  }

  public int elements() {
    return Tensor.size(shape);
  }

  public int rank() {
    return shape.length;
  }

  public int last() {
    return shape[shape.length - 1];
  }

  boolean sameAs(TensorType o) {
    return dtype == o.dtype && Arrays.equals(shape, o.shape);
  }

  @Override
  public String toString() {
    return dtype.name().toLowerCase() + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorType t && sameAs(t);
  }

  @Override
  public int hashCode() {
    return dtype.hashCode() * 31 + Arrays.hashCode(shape);
  }
}
