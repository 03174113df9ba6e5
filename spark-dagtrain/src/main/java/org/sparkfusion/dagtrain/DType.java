package org.sparkfusion.dagtrain;

/** Element type of a graph edge. INT tensors carry ids and labels; they are never compressed nor differentiated. */
public enum DType {
  FLOAT, INT;

  /**
   * Rounds values computed in float64 to what a tensor of this type holds: FLOAT is float32 (what the wire carries
   * uncompressed), INT values are exact already. Every op output and every gradient on an edge is rounded, in one
   * process and in a pipeline alike, so a cut never changes a value.
   */
  void roundInPlace(double[] values) {
    if (this == FLOAT) {
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) values[i];
      }
    }
  }

  static DType parse(String s, String where) {
    for (DType d : values()) {
      if (d.name().equalsIgnoreCase(s)) {
        return d;
      }
    }
    throw new IllegalArgumentException(where + ": unknown dtype '" + s + "' (expected float or int)");
  }
}
