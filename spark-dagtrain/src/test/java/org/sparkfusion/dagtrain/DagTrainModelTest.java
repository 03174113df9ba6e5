package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalClusterSpark;
import org.sparkfusion.common.test.SparkConfs;
import org.sparkfusion.common.test.TestDirs;

/**
 * The trained model a user keeps, on two executor JVMs: weights back from both stages, save/load through Spark ML's
 * metadata, transform and loss computed on the executors, .npy export, and the loss history seen while training runs
 * (heartbeats every 200 ms here, so a short run shows several).
 */
@ExtendWith(LocalClusterSpark.class)
@SparkConfs({"spark.executor.heartbeatInterval=200ms"})
class DagTrainModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static DagTrainer trainer(Graph g, int steps) {
    return new DagTrainer(g).name("synthetic").stages(2).planner("even").steps(steps).microBatches(3)
        .microBatchSize(8).optimizer("adam").learningRate(0.01).seed(11);
  }

  /**
   * The criterion for the model: a two-stage pipeline's trained weights are those of one process (compression
   * off), and a saved model reloads with the same weights, loss and outputs.
   */
  @Test void pipelineWeightsMatchOneProcessAndASavedModelReloadsTheSame(SparkSession spark) throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 512, 5);
    DagTrainModel oneProcess = trainer(g, 12).stages(1).fitInProcess(data);
    DagTrainModel pipeline = trainer(g, 12).fit(data);
    assertThat(pipeline.summary().stages()).isEqualTo(2);
    assertThat(pipeline.parameterNames()).isEqualTo(oneProcess.parameterNames())
        .contains("fc1.weight", "fc1.bias", "head.weight").hasSize(10);
    for (String p : pipeline.parameterNames()) {
      assertThat(Arrays.mismatch(pipeline.parameter(p), oneProcess.parameter(p))).as(p).isEqualTo(-1);
    }
    // the weights moved away from the seeded initialisation
    DagTrainModel untrained = trainer(g, 1).learningRate(1e-12).stages(1).fitInProcess(data);
    assertThat(Arrays.mismatch(pipeline.parameter("fc1.weight"), untrained.parameter("fc1.weight"))).isNotEqualTo(-1);
    double loss = pipeline.loss(data);
    assertThat(loss).isEqualTo(oneProcess.loss(data)).isLessThan(untrained.loss(data));

    String path = TestDirs.newDir("dagtrain-model").resolve("model").toUri().toString();
    pipeline.write().save(path);
    DagTrainModel loaded = DagTrainModel.load(path);
    assertThat(loaded.uid()).isEqualTo(pipeline.uid());
    assertThat(loaded.getSteps()).isEqualTo(12);
    assertThat(loaded.getCompression()).isEqualTo("none");
    assertThat(loaded.hasSummary()).isFalse();
    assertThat(loaded.history().losses()).isEqualTo(pipeline.summary().losses()).hasSize(12);
    for (String p : pipeline.parameterNames()) {
      assertThat(Arrays.mismatch(loaded.parameter(p), pipeline.parameter(p))).as(p).isEqualTo(-1);
      assertThat(loaded.parameterShape(p)).isEqualTo(pipeline.parameterShape(p));
    }
    assertThat(loaded.loss(data)).isEqualTo(loss);
    List<Row> a = pipeline.transform(data).select("output").collectAsList();
    List<Row> b = loaded.transform(data).select("output").collectAsList();
    assertThat(b).isEqualTo(a);

    // saving over it again is refused; with overwrite() it is replaced
    assertThatThrownBy(() -> pipeline.write().save(path)).hasMessageContaining("overwrite");
    oneProcess.write().overwrite().save(path);
    assertThat(DagTrainModel.load(path).loss(data)).isEqualTo(oneProcess.loss(data));
  }

  /** transform outputs the logits the loss is computed from: their cross-entropy is the model's loss. */
  @Test void transformOutputsTheLogitsOfTheLoss(SparkSession spark) {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 300, 5).repartition(3);
    DagTrainModel m = trainer(g, 8).fit(data);
    Dataset<Row> out = m.transform(data.drop("y").withColumn("id", org.apache.spark.sql.functions.monotonically_increasing_id()));
    assertThat(out.schema().fieldNames()).containsExactly("x", "id", "output");
    // the same rows with labels, scored through transform and cross-entropy by hand
    List<Row> rows = m.transform(data).collectAsList();
    assertThat(rows).hasSize(300);
    double sum = 0;
    for (Row r : rows) {
      List<Float> logits = r.getList(r.fieldIndex("output"));
      assertThat(logits).hasSize(4);
      int label = (int) (float) r.<Float>getList(r.fieldIndex("y")).get(0);
      double max = logits.stream().mapToDouble(Float::doubleValue).max().orElseThrow();
      double z = logits.stream().mapToDouble(v -> Math.exp(v - max)).sum();
      sum += -(logits.get(label) - max - Math.log(z));
    }
    assertThat(sum / rows.size()).isCloseTo(m.loss(data), org.assertj.core.data.Offset.offset(1e-5));
    // the output node can be any node; a missing input column is named
    Row hidden = m.copy(new org.apache.spark.ml.param.ParamMap()).setOutputNode("r1").setOutputCol("hidden").transform(data)
        .first();
    assertThat(hidden.<Float>getList(hidden.fieldIndex("hidden"))).hasSize(16);
    assertThatThrownBy(() -> m.transform(data.drop("x"))).hasMessageContaining("no column 'x'");
    assertThatThrownBy(() -> m.setOutputNode("nope")).hasMessageContaining("no node 'nope'");
  }

  @Test void exportsEveryParameterAsNpyAndFitsInAPipeline(SparkSession spark) throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 256, 5);
    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {trainer(g, 6)}).fit(data);
    DagTrainModel m = (DagTrainModel) pm.stages()[0];
    Path dir = TestDirs.newDir("dagtrain-npy").resolve("weights");
    m.exportNpy(dir.toUri().toString());
    JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
    List<String> names = new ArrayList<>();
    for (JsonNode e : index) {
      names.add(e.path("name").asText());
      Npy.Array a = Npy.read(Files.readAllBytes(dir.resolve(e.path("file").asText())), e.path("file").asText());
      assertThat(a.shape()).isEqualTo(m.parameterShape(e.path("name").asText()));
      assertThat(Arrays.mismatch(a.data(), m.parameter(e.path("name").asText()))).isEqualTo(-1);
    }
    assertThat(names).isEqualTo(m.parameterNames());
    assertThat(dir.resolve("fc1.weight.npy")).exists();
    assertThatThrownBy(() -> m.exportNpy(dir.toUri().toString())).hasMessageContaining("exist");
    // a PipelineModel holding it saves and loads
    String path = TestDirs.newDir("dagtrain-pipeline").resolve("pm").toUri().toString();
    pm.write().save(path);
    DagTrainModel back = (DagTrainModel) PipelineModel.load(path).stages()[0];
    assertThat(back.loss(data)).isEqualTo(m.loss(data));
  }

  /** The per-step history reaches the driver while the barrier tasks still run, through executor heartbeats. */
  @Test void progressArrivesWhileTrainingRuns(SparkSession spark) {
    Graph g = Synthetic.model(10, 4, 64);
    Dataset<Row> data = TestData.synthetic(spark, g, 512, 5);
    List<int[]> seen = new CopyOnWriteArrayList<>();
    int steps = 400;
    DagTrainer t = trainer(g, steps).onProgress(p -> seen.add(new int[] {p.stepsDone(), p.finished() ? 1 : 0}));
    DagTrainModel m = t.fit(data);
    assertThat(t.progress().finished()).isTrue();
    assertThat(t.progress().losses()).isEqualTo(m.history().losses()).hasSize(steps);
    List<int[]> during = seen.stream().filter(s -> s[1] == 0 && s[0] > 0 && s[0] < steps).toList();
    assertThat(during).as("progress updates before the fit returned (run took %.1f s)", m.summary().seconds())
        .isNotEmpty();
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)[0]).isGreaterThanOrEqualTo(seen.get(i - 1)[0]);
    }
    assertThat(seen.get(seen.size() - 1)).containsExactly(steps, 1);
  }

  /**
   * Train until a target loss over Netty between two executor JVMs: both stages stop after the step at which the
   * 5-step mean reaches the target, the losses are the unstopped run's up to there, and the weights are those of a
   * run limited to that many steps.
   */
  @Test void pipelineStopsAtTheTargetLossOnEveryStage(SparkSession spark) {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 512, 5);
    TrainingReport full = trainer(g, 30).fit(data).summary();
    double target = 0;
    for (int i = 8; i < 13; i++) {
      target += full.losses().get(i) / StopRule.WINDOW;
    }
    int last = StopRuleTest.firstTargetStep(full.losses(), target);
    assertThat(last).isBetween(StopRule.WINDOW - 1, 12);
    DagTrainModel stopped = trainer(g, 30).targetLoss(target).fit(data);
    assertThat(stopped.summary().stopReason()).isEqualTo("target");
    assertThat(stopped.summary().losses()).isEqualTo(full.losses().subList(0, last + 1));
    assertThat(stopped.summary().toJson()).contains("\"stop_reason\" : \"target\"");
    DagTrainModel limited = trainer(g, last + 1).fit(data);
    assertThat(limited.summary().stopReason()).isEqualTo("steps");
    for (String p : limited.parameterNames()) {
      assertThat(Arrays.mismatch(stopped.parameter(p), limited.parameter(p))).as(p).isEqualTo(-1);
    }
  }
}
