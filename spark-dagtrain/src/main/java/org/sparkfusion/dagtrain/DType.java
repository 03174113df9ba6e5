package org.sparkfusion.dagtrain;

/** Element type of a graph edge. INT tensors carry ids and labels; they are never compressed nor differentiated. */
public enum DType {
  FLOAT, INT;

  static DType parse(String s, String where) {
    for (DType d : values()) {
      if (d.name().equalsIgnoreCase(s)) {
        return d;
      }
    }
    throw new IllegalArgumentException(where + ": unknown dtype '" + s + "' (expected float or int)");
  }
}
