package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;

@ExtendWith(LocalSpark.class)
class StageCapacityTest {

  @Test void slotsFromTheMasterAndTheExecutorSettings() {
    assertThat(StageCapacity.configuredSlots("local", Map.of())).isEqualTo(OptionalInt.of(1));
    assertThat(StageCapacity.configuredSlots("local[3]", Map.of())).isEqualTo(OptionalInt.of(3));
    assertThat(StageCapacity.configuredSlots("local[4, 2]", Map.of("spark.task.cpus", "2"))).isEqualTo(OptionalInt.of(2));
    assertThat(StageCapacity.configuredSlots("local[*]", Map.of()))
        .isEqualTo(OptionalInt.of(Runtime.getRuntime().availableProcessors()));
    assertThat(StageCapacity.configuredSlots("local-cluster[2,1,1024]", Map.of())).isEqualTo(OptionalInt.of(2));
    assertThat(StageCapacity.configuredSlots("local-cluster[3, 4, 512]", Map.of("spark.task.cpus", "3")))
        .isEqualTo(OptionalInt.of(3));
    assertThat(StageCapacity.configuredSlots("yarn", Map.of("spark.executor.instances", "5"))).isEqualTo(OptionalInt.of(5));
    assertThat(StageCapacity.configuredSlots("k8s://https://h:6443", Map.of("spark.executor.instances", "2",
        "spark.executor.cores", "4", "spark.task.cpus", "2"))).isEqualTo(OptionalInt.of(4));
    // standalone: an executor takes all a worker's cores unless spark.executor.cores says
    assertThat(StageCapacity.configuredSlots("spark://m:7077", Map.of("spark.executor.instances", "2"))).isEmpty();
    assertThat(StageCapacity.configuredSlots("spark://m:7077", Map.of("spark.executor.instances", "2",
        "spark.executor.cores", "1"))).isEqualTo(OptionalInt.of(2));
    assertThat(StageCapacity.configuredSlots("spark://m:7077", Map.of("spark.cores.max", "3"))).isEqualTo(OptionalInt.of(3));
    assertThat(StageCapacity.configuredSlots("spark://m:7077", Map.of())).isEmpty();
    assertThatThrownBy(() -> StageCapacity.configuredSlots("yarn", Map.of("spark.executor.instances", "two")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("spark.executor.instances must be an integer, got 'two'");
  }

  @Test void tooManyStagesForTheModelNamesTheSettingAndTheOpCount() {
    Graph g = Models.gptTiny();
    int ops = StageCapacity.maxStages(g);
    assertThat(ops).isEqualTo(g.size() - 2);
    StageCapacity.checkOps(g, "gpt-tiny", ops);
    assertThatThrownBy(() -> StageCapacity.checkOps(g, "gpt-tiny", 500)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stages=500 but model gpt-tiny has " + ops + " ops");
  }

  /** On local[2], three stages cannot get their three barrier tasks: refused before any Spark job runs. */
  @Test void fitRefusesMoreStagesThanSlotsBeforeStarting(SparkSession spark) {
    Graph g = Synthetic.model(10, 4, 16);
    Dataset<Row> data = TestData.synthetic(spark, g, 64, 5);
    long jobsBefore = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
    assertThatThrownBy(() -> new DagTrainer(g).name("synthetic").stages(3).planner("even").steps(2).fit(data))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stages=3 needs 3 task slots (one barrier task per stage), the cluster has 2 (master local[2] /"
            + " spark.task.cpus)");
    assertThatThrownBy(() -> new DagTrainer(g).name("synthetic").stages(500).fit(data))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stages=500 but model synthetic has " + StageCapacity.maxStages(g) + " ops");
    assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup(null).length).isEqualTo(jobsBefore);
  }
}
