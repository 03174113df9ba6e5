package org.sparkfusion.dagtrain;

import java.util.Arrays;

/** Per-sample shape (without the batch dimension) and element type of a graph edge. */
record TensorType(DType dtype, int[] shape) {
  TensorType {
    shape = shape.clone();
  }

  int elements() {
    return Tensor.size(shape);
  }

  int rank() {
    return shape.length;
  }

  int last() {
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
