package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.SparkConfs;
import org.sparkfusion.dlrm.DlrmFunctions;

/** dlrm_predict in SQL with the upmem-emu backend chosen by configuration scores like PyTorch on the fixtures. */
@ExtendWith(LocalSpark.class)
@SparkConfs({"spark.sparkfusion.dlrm.embeddingBackend=upmem-emu", "spark.sparkfusion.upmem.dpusPerRank=4"})
class DlrmSqlOnEmulatorTest {

  @Test
  void sqlScoresMatchTheFixtures(SparkSession spark) {
    DlrmFunctions.register(spark, DlrmFixtureTest.fixture("dot_npy").toString());
    spark.read().json(DlrmFixtureTest.fixture("dot_rows.jsonl").toString()).createOrReplaceTempView("upmem_rows");
    List<Row> rows = spark.sql("SELECT dlrm_predict(CAST(dense AS ARRAY<FLOAT>), CAST(sparse AS ARRAY<ARRAY<INT>>))"
        + " AS ctr, expected FROM upmem_rows").collectAsList();
    assertThat(rows).isNotEmpty();
    for (Row r : rows) {
      assertThat(Math.abs(r.getDouble(0) - r.getDouble(1))).as("|ctr - PyTorch|").isLessThanOrEqualTo(1e-4);
    }
  }
}
