package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.fusefl.core.FusedNetwork;

/**
 * FuseFL with one block (K = 1), alone and under Spark's own CrossValidator. K = 1 used to upload each client's
 * whole network (classifier included) as its fused branch, so the fused features were the clients' class
 * probabilities and the calibration step indexed past them (ArrayIndexOutOfBoundsException), which is what the
 * Python CrossValidator test (blocks=1) hit.
 */
@ExtendWith(LocalSpark.class)
class FuseFLCrossValidatorTest {

  private static Dataset<Row> clients(SparkSession spark) {
    return DirichletPartitioner.partition(SyntheticImages.frame(spark, 240, 4, 2), "label", "client", 2, 1.0, 3)
        .cache();
  }

  private static FuseFL oneBlock() {
    return FuseFLTestSupport.tinyFuseFL().setBackbone("mlp4").setBlocks(1).setEpochsPerStage(2)
        .setCalibrationSamples(100);
  }

  @Test
  void oneBlockFuseFLFusesFeatureBranchesAndPredicts(SparkSession spark) {
    FuseFLModel model = oneBlock().fit(clients(spark));
    FusedNetwork fused = (FusedNetwork) model.predictor();
    // mlp4 at width 8 over 2 clients: client width round(8 / sqrt 2) = 6, dense features 8 x 6 = 48 per branch.
    assertThat(fused.head().dim()).isEqualTo(2 * 48);
    assertThat(fused.stage(0).get(0).getLayers()).noneMatch(l -> l instanceof org.deeplearning4j.nn.layers.BaseOutputLayer);
    double acc = FuseFLTestSupport.accuracy(model, SyntheticImages.frame(spark, 120, 4, 9));
    assertThat(acc).as("accuracy on 4 separable classes").isGreaterThan(0.5);
  }

  @Test
  void crossValidatorFitsEveryFoldAndPicksAModel(SparkSession spark) {
    FuseFL f = oneBlock();
    ParamMap[] grid = new ParamGridBuilder().addGrid(f.method(),
        scala.jdk.javaapi.CollectionConverters.asScala(java.util.List.of("fusefl", "ensemble")).toSeq()).build();
    CrossValidator cv = new CrossValidator().setEstimator(f).setEstimatorParamMaps(grid)
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(5);
    CrossValidatorModel cvModel = cv.fit(clients(spark));
    assertThat(cvModel.avgMetrics()).hasSize(2);
    for (double m : cvModel.avgMetrics()) {
      assertThat(m).isBetween(0.4, 1.0);
    }
    assertThat(cvModel.bestModel()).isInstanceOf(FuseFLModel.class);
  }
}
