package org.sparkfusion.dagtrain;

/** One training sample: the flattened values of each graph input, in the graph's input order. */
final class Sample implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  float[][] values;
  /** Position in the training data, so the first stage sees samples in the same order on every run. */
  long index;

  Sample() { }

  Sample(float[][] values) {
    this.values = values;
  }
}
