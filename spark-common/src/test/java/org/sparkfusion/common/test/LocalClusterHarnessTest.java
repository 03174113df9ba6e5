package org.sparkfusion.common.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The local-cluster harness really gives separate executor JVMs, broadcasts across them, and task retries. */
@ExtendWith(LocalClusterSpark.class)
class LocalClusterHarnessTest {

  @Test
  void broadcastReachesBothExecutorJvms(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<int[]> table = jsc.broadcast(new int[] {3, 1, 4, 1, 5, 9, 2, 6});
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(i);
    }
    List<String> seen = jsc.parallelize(ids, 8)
        .map(i -> SparkEnv.get().executorId() + "/" + ProcessHandle.current().pid() + ":" + table.value()[i])
        .collect();
    assertThat(seen.stream().map(s -> s.substring(0, s.indexOf(':'))).distinct()).hasSize(2);
    assertThat(seen.stream().mapToInt(s -> Integer.parseInt(s.substring(s.indexOf(':') + 1))).sum()).isEqualTo(31);
    assertThat(seen.stream().map(s -> s.substring(s.indexOf('/') + 1, s.indexOf(':'))).distinct())
        .as("executor processes differ from the driver")
        .doesNotContain(Long.toString(ProcessHandle.current().pid()));
  }

  @Test
  void aTaskThatFailsOnceIsRetriedAndTheJobSucceeds(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> ids = List.of(1, 2, 3, 4);
    long sum = jsc.parallelize(ids, 2).map(i -> {
      TaskContext task = TaskContext.get();
      if (task.partitionId() == 1 && task.attemptNumber() == 0) {
        throw new IllegalStateException("first attempt fails (test hook)");
      }
      return i;
    }).reduce(Integer::sum);
    assertThat(sum).isEqualTo(10);
  }
}
