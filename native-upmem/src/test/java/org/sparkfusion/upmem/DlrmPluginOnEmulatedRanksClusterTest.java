package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalClusterSpark;
import org.sparkfusion.common.test.SparkConfs;
import org.sparkfusion.dlrm.DlrmFunctions;

/**
 * The DLRM plugin with {@code embeddingBackend=upmem-emu} on two executor JVMs, each given two emulated ranks by
 * the discovery script: dlrm_predict scores like PyTorch (the backend is named explicitly, so an executor that
 * could not open it would fail the job instead of falling back).
 */
@ExtendWith(LocalClusterSpark.class)
@SparkConfs({
    "spark.plugins=org.sparkfusion.dlrm.DlrmPlugin",
    "spark.sparkfusion.dlrm.embeddingBackend=upmem-emu",
    "spark.worker.resource.upmem.amount=2",
    "spark.worker.resource.upmem.discoveryScript=src/test/resources/discover-upmem-test-dlrm.sh",
    "spark.executor.resource.upmem.amount=2",
    "spark.task.resource.upmem.amount=1",
    "spark.sparkfusion.upmem.dpusPerRank=4"})
class DlrmPluginOnEmulatedRanksClusterTest {

  @Test
  void sqlScoresOnBothExecutorsMatchPyTorch(SparkSession spark) {
    DlrmFunctions.register(spark, DlrmFixtureTest.fixture("dot_npy").toString());
    spark.read().json(DlrmFixtureTest.fixture("dot_rows.jsonl").toString()).repartition(4)
        .createOrReplaceTempView("upmem_cluster_rows");
    List<Row> rows = spark.sql("SELECT dlrm_predict(CAST(dense AS ARRAY<FLOAT>), CAST(sparse AS ARRAY<ARRAY<INT>>)),"
        + " expected FROM upmem_cluster_rows").collectAsList();
    assertThat(rows).isNotEmpty();
    for (Row r : rows) {
      assertThat(Math.abs(r.getDouble(0) - r.getDouble(1))).isLessThanOrEqualTo(1e-4);
    }
    assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).as("driver + 2 executors").isEqualTo(3);
  }
}
