package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalClusterSpark;
import org.sparkfusion.common.test.SparkConfs;

@ExtendWith(LocalClusterSpark.class)
@SparkConfs({
    "spark.plugins=org.sparkfusion.upmem.EmuRanksTestPlugin",
    "spark.worker.resource.upmem.amount=2",
    "spark.worker.resource.upmem.discoveryScript=src/test/resources/discover-upmem-test.sh",
    "spark.executor.resource.upmem.amount=2",
    "spark.task.resource.upmem.amount=1",
    "spark.sparkfusion.upmem.dpusPerRank=4",
    "spark.sparkfusion.upmem.strategy=cache-aware",
    "spark.sparkfusion.upmem.profileBatches=2"})
class UpmemLocalClusterTest {

  @Test
  void twoExecutorsEachOpenTheirOwnEmulatedRanksOnceAndPoolCorrectly(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> rows = jsc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8).map(EmuRanksTestPlugin::runTask).collect();
    Map<String, String> addressesByExecutor = new HashMap<>();
    Set<String> pids = new HashSet<>();
    for (String row : rows) {
      String[] f = row.split("\\|");
      addressesByExecutor.put(f[0], f[2]);
      pids.add(f[1]);
      assertThat(f[2].split(",")).as("executor %s ranks", f[0]).hasSize(2);
      assertThat(Integer.parseInt(f[3])).as("DPUs of 2 ranks x 4").isEqualTo(8);
      assertThat(Double.parseDouble(f[4])).as("pooling error on executor %s", f[0]).isLessThan(1e-5);
      assertThat(f[5]).as("backend opens per executor JVM").isEqualTo("1");
      assertThat(f[2].split(",")).as("task address within its executor's").contains(f[6]);
    }
    assertThat(addressesByExecutor).hasSize(2);
    assertThat(pids).hasSize(2).doesNotContain(String.valueOf(ProcessHandle.current().pid()));
    List<String> sets = List.copyOf(addressesByExecutor.values());
    Set<String> first = Set.of(sets.get(0).split(","));
    for (String a : sets.get(1).split(",")) {
      assertThat(first).as("executors got disjoint ranks").doesNotContain(a);
    }
  }
}
