package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.MiniDfs;
import org.sparkfusion.common.test.TestDirs;

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
  void interruptedSaveLeavesNothingThatLoadsOrBlocksTheNextSave(MiniDfs.Hdfs hdfs) throws Exception {
    for (String failAfter : new String[] {"metadata", "branch-0-1.zip"}) {
      String path = hdfs.path("/models/interrupted-" + failAfter.replace('.', '-'));
      AtomicStageWriter.SaveHook.failAfter = failAfter;
      try {
        assertThatThrownBy(() -> model.write().save(path)).hasMessageContaining("save interrupted after " + failAfter);
      } finally {
        AtomicStageWriter.SaveHook.failAfter = null;
      }
      assertThat(hdfs.fileSystem().exists(new Path(path))).as(failAfter).isFalse();
      assertThat(hdfs.fileSystem().listStatus(new Path(path).getParent())).as("no temporary sibling left")
          .noneMatch(st -> st.getPath().getName().startsWith("."));
      assertThatThrownBy(() -> FuseFLModel.load(path)).hasMessageContaining(path);
      model.write().save(path);  // no overwrite needed: nothing was left at the path
      assertThat(FuseFLModel.load(path).parameterCount()).isEqualTo(model.parameterCount());
    }
  }

  @Test
  void failedOverwriteKeepsTheEarlierModel(MiniDfs.Hdfs hdfs) throws Exception {
    String path = hdfs.path("/models/kept");
    model.write().save(path);
    AtomicStageWriter.SaveHook.failAfter = "metadata";
    try {
      assertThatThrownBy(() -> model.write().overwrite().save(path)).hasMessageContaining("save interrupted");
    } finally {
      AtomicStageWriter.SaveHook.failAfter = null;
    }
    assertThat(FuseFLTestSupport.probabilities(FuseFLModel.load(path), test))
        .isDeepEqualTo(FuseFLTestSupport.probabilities(model, test));
    assertThatThrownBy(() -> model.write().save(path)).hasMessageContaining("Refusing to overwrite existing path");
  }

  @Test
  void localPathHoldsSparksMetadataAndTheEstimatorsValues() throws Exception {
    String path = TestDirs.newDir("fusefl-local").resolve("model").toUri().toString();
    model.write().save(path);
    DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, SparkSession.active(),
        FuseFLModel.class.getName());
    assertThat(meta.uid()).isEqualTo(model.uid());
    assertThat(meta.sparkVersion()).isEqualTo(SparkSession.active().version());
    FuseFLModel loaded = FuseFLModel.load(path);
    assertThat(loaded.getBackbone()).isEqualTo("mlp4");
    assertThat(loaded.getEpochsPerStage()).isEqualTo(1);
    assertThat(loaded.getInputShape()).containsExactly(1, 12, 12);
    assertThat(loaded.isSet(loaded.featuresCol())).isFalse();
    assertThat(FuseFLTestSupport.probabilities(loaded, test)).isDeepEqualTo(FuseFLTestSupport.probabilities(model, test));
  }

  @Test
  void modelSavedByTheEarlierWriterStillLoads() throws Exception {
    // The earlier writer put the same JSON in metadata/part-00000 and knew only the model's four Params.
    java.nio.file.Path dir = TestDirs.newDir("fusefl-old").resolve("model");
    model.write().save(dir.toUri().toString());
    java.nio.file.Path metadata = dir.resolve("metadata");
    try (var files = java.nio.file.Files.list(metadata)) {
      for (java.nio.file.Path f : files.toList()) {
        java.nio.file.Files.delete(f);
      }
    }
    java.nio.file.Files.writeString(metadata.resolve("part-00000"), "{\"class\":\"org.sparkfusion.fusefl.FuseFLModel\","
        + "\"timestamp\":1733000000000,\"sparkVersion\":\"4.2.0\",\"uid\":\"fuseflModel_old\","
        + "\"paramMap\":{\"inputShape\":[1,12,12]},\"defaultParamMap\":{\"featuresCol\":\"features\","
        + "\"predictionCol\":\"prediction\",\"probabilityCol\":\"probability\"}}\n");
    FuseFLModel loaded = FuseFLModel.load(dir.toUri().toString());
    assertThat(loaded.uid()).isEqualTo("fuseflModel_old");
    assertThat(FuseFLTestSupport.probabilities(loaded, test)).isDeepEqualTo(FuseFLTestSupport.probabilities(model, test));
  }

  @Test
  void loadingAnEstimatorPathAsModelNamesTheClass(MiniDfs.Hdfs hdfs) throws Exception {
    String path = hdfs.path("/models/estimator");
    FuseFLTestSupport.tinyFuseFL().write().overwrite().save(path);
    assertThat(FuseFL.load(path).getWidth()).isEqualTo(8);
    assertThatThrownBy(() -> FuseFLModel.load(path)).hasMessageContaining("Could not load FuseFLModel from " + path)
        .hasMessageContaining("org.sparkfusion.fusefl.FuseFL");
  }
}
