package org.sparkfusion.fusefl;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Separable generated images: class c lights a 3x3 patch at a class-specific place, plus noise. */
final class SyntheticImages {
  static final int SIDE = 12;

  private SyntheticImages() {}

  static float[] image(int label, Random rng, int classes) {
    float[] img = new float[SIDE * SIDE];
    for (int i = 0; i < img.length; i++) {
      img[i] = rng.nextFloat() * 0.3f;
    }
    int row = 1 + (label % 3) * 3 + rng.nextInt(2);
    int col = 1 + (label / 3) * 3 + rng.nextInt(2);
    for (int r = row; r < row + 3; r++) {
      for (int c = col; c < col + 3; c++) {
        img[r * SIDE + c] = 0.7f + rng.nextFloat() * 0.3f;
      }
    }
    return img;
  }

  static List<Row> rows(int n, int classes, long seed) {
    Random rng = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int label = i % classes;
      rows.add(RowFactory.create(image(label, rng, classes), label));
    }
    return rows;
  }

  static StructType schema() {
    return new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add("label", DataTypes.IntegerType, false);
  }

  static Dataset<Row> frame(SparkSession spark, int n, int classes, long seed) {
    return spark.createDataFrame(rows(n, classes, seed), schema());
  }
}
