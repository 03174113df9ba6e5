package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalClusterSpark;
import org.sparkfusion.common.test.TestDirs;

/** Two executor JVMs, one barrier task each, exchanging tensors over Netty. */
@ExtendWith(LocalClusterSpark.class)
class ClusterTrainingTest {
  private static final int STEPS = 24;

  private static DagTrainer trainer(Graph g) {
    return new DagTrainer(g).name("synthetic").stages(2).planner("even").steps(STEPS).microBatches(3)
        .microBatchSize(8).optimizer("adam").learningRate(0.01).seed(11);
  }

  private static double mean(List<Double> l) {
    return l.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  /** Runs the 1F1B schedule (set through its configuration key); the resume test below runs GPipe. */
  @Test void twoExecutorPipelineLossFalls(SparkSession spark) {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 512, 5);
    spark.conf().set(DagTrainConfig.SCHEDULE.key(), "1f1b");
    TrainingReport r;
    try {
      r = trainer(g).fit(data).summary();
    } finally {
      spark.conf().unset(DagTrainConfig.SCHEDULE.key());
    }
    assertThat(r.stages()).isEqualTo(2);
    assertThat(r.losses()).hasSize(STEPS);
    assertThat(mean(r.losses().subList(STEPS - 5, STEPS))).isLessThan(0.8 * mean(r.losses().subList(0, 5)));
    assertThat(r.links()).hasSize(2);
    assertThat(r.links().get(0).bytes()).isGreaterThan(0);
    // per stage: the planner's prediction, charged for messages (each stage has one cut), next to what it measured
    assertThat(r.stageTiming()).hasSize(2);
    for (TrainingReport.StageTiming t : r.stageTiming()) {
      assertThat(t.predictedMessages()).as("stage %d", t.stage()).isGreaterThan(0).isLessThan(t.predicted());
      assertThat(t.compute()).isGreaterThan(0);
      assertThat(t.encode()).isGreaterThan(0);
      assertThat(t.decode()).isGreaterThan(0);
      assertThat(t.wall()).isGreaterThanOrEqualTo(t.compute() + t.encode() + t.decode());
    }
    assertThat(r.toJson()).contains("\"stage_timing\"").contains("\"predicted_message_seconds\"");
  }

  /**
   * The exactness criterion across real processes: two executor JVMs exchanging float32 edges over Netty
   * give the same loss at every step as one process (compression off, same seed and data order).
   */
  @Test void twoExecutorPipelineMatchesOneProcessStepForStep(SparkSession spark) throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 512, 5);
    TrainingReport oneProcess = trainer(g).stages(1).fitInProcess(data).summary();
    TrainingReport pipeline = trainer(g).fit(data).summary();
    assertThat(pipeline.stages()).isEqualTo(2);
    assertThat(pipeline.losses()).hasSize(STEPS);
    for (int s = 0; s < STEPS; s++) {
      assertThat(pipeline.losses().get(s)).as("loss at step %d", s).isEqualTo(oneProcess.losses().get(s));
    }
  }

  @Test void failedStageTaskResumesFromTheLastCheckpointAndMatchesAnUninterruptedRun(SparkSession spark) {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 512, 5);
    TrainingReport reference = trainer(g).fit(data).summary();
    String dir = TestDirs.newDir("dagtrain-ckpt").toUri().toString();
    spark.conf().set(DagTrainConfig.CHECKPOINT_DIR.key(), dir);
    spark.conf().set(DagTrainConfig.CHECKPOINT_EVERY.key(), "3");
    spark.conf().set(DagTrainConfig.FAIL_AT_STEP.key(), "7");
    spark.conf().set(DagTrainConfig.FAIL_STAGE.key(), "1");
    TrainingReport resumed;
    try {
      resumed = trainer(g).fit(data).summary();
    } finally {
      spark.conf().unset(DagTrainConfig.CHECKPOINT_DIR.key());
      spark.conf().unset(DagTrainConfig.CHECKPOINT_EVERY.key());
      spark.conf().unset(DagTrainConfig.FAIL_AT_STEP.key());
      spark.conf().unset(DagTrainConfig.FAIL_STAGE.key());
    }
    assertThat(resumed.startStep()).isEqualTo(6);
    assertThat(resumed.losses()).hasSize(STEPS - 6);
    for (int s = 6; s < STEPS; s++) {
      assertThat(resumed.losses().get(s - 6)).isCloseTo(reference.losses().get(s),
          org.assertj.core.data.Offset.offset(1e-9));
    }
  }
}
