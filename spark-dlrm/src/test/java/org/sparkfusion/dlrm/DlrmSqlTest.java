package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;

@ExtendWith(LocalSpark.class)
class DlrmSqlTest {
  static final String MODEL = Fixtures.path("dot_checkpoint.pt").toString();
  static final String ROWS = Fixtures.path("dot_rows.jsonl").toString();

  @AfterEach
  void resetConf(SparkSession spark) {
    spark.conf().unset(DlrmConf.MODEL_PATH.key());
    spark.conf().unset(DlrmConf.OUT_OF_RANGE_IDS.key());
  }

  static void assertScoresMatchPyTorch(List<Row> rows) {
    assertThat(rows).hasSize(40);
    for (Row r : rows) {
      assertThat(r.getDouble(0)).as("row %s", r).isCloseTo(r.getDouble(1), within(1e-5));
    }
  }

  @Test
  void registeredFunctionMatchesPyTorch(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    spark.read().json(ROWS).createOrReplaceTempView("dot_rows");
    assertScoresMatchPyTorch(spark.sql("SELECT dlrm_predict(dense, sparse), expected FROM dot_rows").collectAsList());
  }

  @Test
  void sqlOverArrayColumnsScoresInBatches(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    spark.read().json(ROWS).repartition(2).createOrReplaceTempView("dot_rows_batched");
    Dataset<Row> q = spark.sql("SELECT dlrm_predict(dense, sparse) AS p, expected FROM dot_rows_batched");
    assertScoresMatchPyTorch(q.collectAsList());
    assertThat(q.queryExecution().executedPlan().toString()).contains("DlrmScore");
    Dataset<Row> sum = spark.sql("SELECT sum(p), sum(expected) FROM (SELECT dlrm_predict(dense, sparse) AS p,"
        + " expected FROM dot_rows_batched)");
    Row r = sum.collectAsList().get(0);
    assertThat(r.getDouble(0)).isCloseTo(r.getDouble(1), within(40 * 1e-5));
    assertThat(sum.queryExecution().executedPlan().toString()).contains("DlrmScore");
  }

  @Test
  void sqlUnderAConditionalStaysRowAtATimeWithTheSameScores(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    spark.read().json(ROWS).createOrReplaceTempView("dot_rows_cond");
    Dataset<Row> q = spark.sql("SELECT CASE WHEN expected >= 0 THEN dlrm_predict(dense, sparse) END, expected"
        + " FROM dot_rows_cond");
    assertScoresMatchPyTorch(q.collectAsList());
    assertThat(q.queryExecution().executedPlan().toString()).doesNotContain("DlrmScore");
  }

  @Test
  void extensionProvidesTheFunctionFromConfiguration(SparkSession spark) {
    spark.conf().set(DlrmConf.MODEL_PATH.key(), Fixtures.path("dot_npy").toString());
    spark.read().json(ROWS).createOrReplaceTempView("dot_rows_ext");
    assertScoresMatchPyTorch(spark.sql("SELECT dlrm_predict(dense, sparse), expected FROM dot_rows_ext").collectAsList());
  }

  @Test
  void extensionWithoutModelPathSaysWhatToSet(SparkSession spark) {
    assertThatThrownBy(() -> spark.sql("SELECT dlrm_predict(array(1.0), array(array(1)))").collect())
        .hasMessageContaining("spark.sparkfusion.dlrm.modelPath");
  }

  @Test
  void extensionRejectsWrongArgumentTypesAtAnalysis(SparkSession spark) {
    spark.conf().set(DlrmConf.MODEL_PATH.key(), MODEL);
    assertThatThrownBy(() -> spark.sql("SELECT dlrm_predict(array(1.0), array(1, 2))"))
        .hasMessageContaining("argument sparse")
        .hasMessageContaining("expected array<array<int>>");
  }

  @Test
  void nullInputGivesNull(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    Row r = spark.sql("SELECT dlrm_predict(CAST(NULL AS array<float>), array(array(1))) AS a,"
        + " dlrm_predict(array(1.0F, 2.0F, 3.0F, 4.0F), CAST(NULL AS array<array<int>>)) AS b").first();
    assertThat(r.isNullAt(0)).isTrue();
    assertThat(r.isNullAt(1)).isTrue();
  }

  @Test
  void outOfRangeIdFailsNamingFeatureTableAndId(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    assertThatThrownBy(() -> spark.sql("SELECT dlrm_predict(array(1.0F, 2.0F, 3.0F, 4.0F),"
        + " array(array(1), array(99), array())) AS c").collect())
        .hasStackTraceContaining("sparse feature 1 (embedding table 1, 7 rows): id 99 is out of range");
  }

  @Test
  void hashModeScoresOutOfRangeIdsModuloTheTableSize(SparkSession spark) {
    spark.conf().set(DlrmConf.OUT_OF_RANGE_IDS.key(), "hash");
    DlrmFunctions.register(spark, MODEL);
    Row r = spark.sql("SELECT dlrm_predict(array(1.0F, 2.0F, 3.0F, 4.0F), array(array(11), array(9), array())),"
        + " dlrm_predict(array(1.0F, 2.0F, 3.0F, 4.0F), array(array(1), array(2), array()))").first();
    assertThat(r.getDouble(0)).isEqualTo(r.getDouble(1));
  }

  @Test
  void wrongDenseCountFailsAtTheFirstRowNamingTheColumn(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    assertThatThrownBy(() -> spark.sql("SELECT dlrm_predict(array(1.0F, 2.0F), array(array(1), array(1), array(1)))")
        .collect())
        .hasStackTraceContaining("dense: the model expects 4 dense features");
  }

  @Test
  void transformerAgreesWithSqlFunction(SparkSession spark) {
    DlrmFunctions.register(spark, MODEL);
    Dataset<Row> in = spark.read().json(ROWS).repartition(3);
    Dataset<Row> scored = new DlrmModel().setModelPath(MODEL).setBatchSize(7).transform(in);
    List<Row> rows = scored.selectExpr("ctr", "dlrm_predict(dense, sparse)", "expected").collectAsList();
    assertThat(rows).hasSize(40);
    for (Row r : rows) {
      assertThat(r.getDouble(0)).isEqualTo(r.getDouble(1));
      assertThat(r.getDouble(0)).isCloseTo(r.getDouble(2), within(1e-5));
    }
  }

  @Test
  void transformerKeepsInputColumnsAndGivesNullForNullRows(SparkSession spark) {
    Dataset<Row> in = spark.sql("SELECT 7 AS id, array(1.0F, 2.0F, 3.0F, 4.0F) AS dense,"
        + " array(array(1), array(2), array()) AS sparse UNION ALL SELECT 8, NULL, array(array(1))");
    List<Row> rows = new DlrmModel().setModelPath(MODEL).transform(in).orderBy("id").collectAsList();
    assertThat(rows.get(0).fieldIndex("ctr")).isEqualTo(3);
    assertThat(rows.get(0).getInt(0)).isEqualTo(7);
    assertThat(rows.get(0).getDouble(3)).isBetween(0.0, 1.0);
    assertThat(rows.get(1).isNullAt(3)).isTrue();
  }

  @Test
  void transformerNamesColumnElementAndRowOfANullInsideAnArray(SparkSession spark) {
    Dataset<Row> dense = spark.sql("SELECT array(1.0F, CAST(NULL AS FLOAT), 3.0F, 4.0F) AS dense,"
        + " array(array(1), array(2), array()) AS sparse");
    assertThatThrownBy(() -> new DlrmModel().setModelPath(MODEL).transform(dense).collect())
        .hasStackTraceContaining("dense: element 1 of row 0 of partition 0 is null, expected a number");
    Dataset<Row> sparse = spark.sql("SELECT array(1.0F, 2.0F, 3.0F, 4.0F) AS dense,"
        + " array(array(1), array(2, CAST(NULL AS INT)), array()) AS sparse");
    assertThatThrownBy(() -> new DlrmModel().setModelPath(MODEL).transform(sparse).collect())
        .hasStackTraceContaining("sparse: id 1 of sparse feature 1 in row 0 of partition 0 is null, expected an integer");
  }

  @Test
  void transformerRejectsWrongColumnTypeBeforeRunning(SparkSession spark) {
    Dataset<Row> in = spark.sql("SELECT array(1.0F) AS dense, array(1, 2) AS sparse");
    assertThatThrownBy(() -> new DlrmModel().setModelPath(MODEL).transform(in))
        .hasMessageContaining("column sparse has type array<int>, expected array<array<int>>");
  }

  @Test
  void transformerFallsBackToSessionConfigurationForUnsetParams(SparkSession spark) {
    spark.conf().set(DlrmConf.OUT_OF_RANGE_IDS.key(), "hash");
    Dataset<Row> in = spark.sql("SELECT array(1.0F, 2.0F, 3.0F, 4.0F) AS dense, array(array(11), array(9), array()) AS sparse");
    assertThat(new DlrmModel().setModelPath(MODEL).transform(in).first().getDouble(2)).isBetween(0.0, 1.0);
    assertThatThrownBy(() -> new DlrmModel().setModelPath(MODEL).setOutOfRangeIds("error").transform(in).collect())
        .hasStackTraceContaining("id 11 is out of range");
  }
}
