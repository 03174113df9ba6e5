package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.MiniDfs;

/** Save/load through a real HDFS (MiniDFSCluster). */
@ExtendWith({LocalSpark.class, MiniDfs.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuseFLPersistenceTest {
  private FuseFLModel model;
  private Dataset<Row> test;

  @BeforeAll
  void train(SparkSession spark) {
    Dataset<Row> clients = DirichletPartitioner.partition(SyntheticImages.frame(spark, 240, 4, 2), "label", "client",
        2, 0.5, 1);
    // The dense backbone keeps this fit short; the local-cluster tests cover cnn4 end to end.
    model = FuseFLTestSupport.tinyFuseFL().setBackbone("mlp4").setEpochsPerStage(1).fit(clients);
    test = SyntheticImages.frame(spark, 40, 4, 3).cache();
  }

  @Test
  void fusedModelRoundTripsThroughHdfs(MiniDfs.Hdfs hdfs) throws Exception {
    String path = hdfs.path("/models/fusefl");
    model.write().overwrite().save(path);
    FuseFLModel loaded = FuseFLModel.load(path);
    assertThat(loaded.uid()).isEqualTo(model.uid());
    assertThat(loaded.parameterCount()).isEqualTo(model.parameterCount());
    assertThat(FuseFLTestSupport.probabilities(loaded, test)).isDeepEqualTo(FuseFLTestSupport.probabilities(model, test));
  }

  @Test
  void pipelineWithEstimatorAndModelReloadsByClassName(MiniDfs.Hdfs hdfs) throws Exception {
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {FuseFLTestSupport.tinyFuseFL().setBlocks(3)});
    pipeline.write().overwrite().save(hdfs.path("/pipelines/p"));
    Pipeline reloaded = Pipeline.load(hdfs.path("/pipelines/p"));
    assertThat(((FuseFL) reloaded.getStages()[0]).getBlocks()).isEqualTo(3);

    PipelineModel pm = new PipelineModel("pm-1", new org.apache.spark.ml.Transformer[] {model});
    pm.write().overwrite().save(hdfs.path("/pipelines/pm"));
    PipelineModel pmLoaded = PipelineModel.load(hdfs.path("/pipelines/pm"));
    FuseFLModel inside = (FuseFLModel) pmLoaded.stages()[0];
    assertThat(FuseFLTestSupport.probabilities(inside, test)).isDeepEqualTo(FuseFLTestSupport.probabilities(model, test));
  }

  @Test
  void interruptedSaveLeavesNothingThatLoads(MiniDfs.Hdfs hdfs) throws Exception {
    String path = hdfs.path("/models/interrupted");
    FuseFLModel.SaveHook.failAfter = "branch-0-1.zip";
    try {
      assertThatThrownBy(() -> model.write().save(path)).hasMessageContaining("save interrupted");
    } finally {
      FuseFLModel.SaveHook.failAfter = null;
    }
    assertThat(hdfs.fileSystem().exists(new Path(path))).isFalse();
    assertThatThrownBy(() -> FuseFLModel.load(path)).hasMessageContaining("interrupted");
  }

  @Test
  void loadingAnEstimatorPathAsModelNamesTheClass(MiniDfs.Hdfs hdfs) throws Exception {
    String path = hdfs.path("/models/estimator");
    FuseFLTestSupport.tinyFuseFL().write().overwrite().save(path);
    assertThatThrownBy(() -> FuseFLModel.load(path)).hasMessageContaining("is a org.sparkfusion.fusefl.FuseFL,");
  }
}
