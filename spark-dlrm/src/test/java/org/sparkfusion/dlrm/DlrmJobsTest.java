package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.TestDirs;

@ExtendWith(LocalSpark.class)
class DlrmJobsTest {

  @Test
  void generatedDataScoresThroughThePredictJobKeepingEveryColumn(SparkSession spark) {
    Path dir = TestDirs.newDir("gen");
    DlrmGenJob.run(spark, new String[] {"--output", dir.toString(), "--rows", "300", "--max-table-rows", "50",
        "--bottom", "8", "--top", "8", "--dim", "4", "--format", "jsonl"});
    Dataset<Row> data = spark.read().json(dir.resolve("data").toString());
    assertThat(data.count()).isEqualTo(300);
    Row first = data.orderBy("id").first();
    assertThat(first.getList(first.fieldIndex("dense"))).hasSize(13);
    assertThat(first.getList(first.fieldIndex("sparse"))).hasSize(26);

    String out = dir.resolve("scored").toString();
    DlrmPredictJob.run(spark, new String[] {"--model", dir.resolve("model").toString(), "--input",
        dir.resolve("data").toString(), "--output", out, "--output-format", "parquet"});
    Dataset<Row> scored = spark.read().parquet(out);
    assertThat(scored.columns()).containsExactlyInAnyOrder("id", "dense", "sparse", "ctr");
    Row stats = scored.selectExpr("count(ctr)", "min(ctr)", "max(ctr)").first();
    assertThat(stats.getLong(0)).isEqualTo(300);
    assertThat(stats.getDouble(1)).isGreaterThan(0.0);
    assertThat(stats.getDouble(2)).isLessThan(1.0);
  }

  @Test
  void criteoTsvRowsAreHashedIntoTheTablesAndScored(SparkSession spark) throws Exception {
    Path dir = TestDirs.newDir("tsv");
    DlrmGenJob.run(spark, new String[] {"--output", dir.toString(), "--rows", "1", "--max-table-rows", "40",
        "--bottom", "8", "--top", "8", "--dim", "4"});
    StringBuilder tsv = new StringBuilder();
    for (int r = 0; r < 3; r++) {
      StringBuilder line = new StringBuilder(String.valueOf(r % 2));
      for (int i = 0; i < 13; i++) {
        line.append('\t').append(i == 3 && r == 1 ? "" : String.valueOf(i * r - 1));
      }
      for (int i = 0; i < 26; i++) {
        line.append('\t').append(i == 5 && r == 2 ? "" : String.format("%08x", (r * 7919 + i * 104729) * 2654435761L & 0xffffffffL));
      }
      tsv.append(line).append('\n');
    }
    Path input = dir.resolve("day_0.tsv");
    Files.writeString(input, tsv);
    String out = dir.resolve("scored").toString();
    DlrmPredictJob.run(spark, new String[] {"--model", dir.resolve("model").toString(), "--input", input.toString(),
        "--format", "criteo-tsv", "--output", out});
    List<Row> rows = spark.read().json(out).collectAsList();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).schema().fieldNames()).contains("label", "I1", "I13", "C1", "C26", "ctr")
        .doesNotContain("dense", "sparse");
    for (Row r : rows) {
      assertThat(r.getDouble(r.fieldIndex("ctr"))).isBetween(0.0, 1.0);
    }
  }

  @Test
  void missingRequiredFlagIsNamed(SparkSession spark) {
    assertThatThrownBy(() -> DlrmPredictJob.run(spark, new String[] {"--input", "x", "--output", "y"}))
        .hasMessageContaining("--model is required");
  }
}
