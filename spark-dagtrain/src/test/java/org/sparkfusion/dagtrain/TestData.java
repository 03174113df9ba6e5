package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Synthetic training rows as a DataFrame with one float-array column per graph input. */
final class TestData {
  private TestData() {}

  static Dataset<Row> synthetic(SparkSession spark, Graph g, int rows, long seed) {
    Synthetic s = new Synthetic(10, 4, rows, seed);
    Tensor x = s.microBatch(0, 0).get("x");
    Tensor y = s.microBatch(0, 0).get("y");
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      float[] xs = new float[10];
      for (int k = 0; k < 10; k++) {
        xs[k] = (float) x.data[i * 10 + k];
      }
      out.add(RowFactory.create(toList(xs), List.of((float) y.data[i])));
    }
    return spark.createDataFrame(out, DagTrainer.schemaFor(g));
  }

  private static List<Float> toList(float[] a) {
    List<Float> l = new ArrayList<>();
    for (float f : a) {
      l.add(f);
    }
    return l;
  }
}
