package org.sparkfusion.dlrm;

import org.apache.spark.rdd.InputFileBlockHolder;

/** Where the row a task is scoring came from, for error messages. */
final class RowLocation {
  private RowLocation() {}

  /** The file the current task is reading (set by Spark's file scans), or null. */
  static String currentFile() {
    String f = InputFileBlockHolder.getInputFilePath().toString();
    return f == null || f.isEmpty() ? null : f;
  }
}
