package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

final class FuseFLTestSupport {
  private FuseFLTestSupport() {}

  /** A fast configuration for 12x12 generated images. */
  static FuseFL tinyFuseFL() {
    return new FuseFL().setBackbone("cnn4").setBlocks(2).setEpochsPerStage(3).setBatchSize(16).setWidth(8).setLearningRate(0.02)
        .setCalibrationSamples(500).setCalibrationEpochs(2).setSeed(3);
  }

  static double accuracy(FuseFLModel model, Dataset<Row> test) {
    return model.transform(test).agg(avg(col("prediction").equalTo(col("label").cast("double")).cast("double")))
        .first().getDouble(0);
  }

  static double[][] probabilities(FuseFLModel model, Dataset<Row> test) {
    List<Row> rows = model.transform(test).select("probability").collectAsList();
    double[][] p = new double[rows.size()][];
    for (int i = 0; i < p.length; i++) {
      p[i] = ((Vector) rows.get(i).get(0)).toArray();
    }
    return p;
  }
}
