package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalClusterSpark;
import org.sparkfusion.common.test.SparkConfs;
import org.sparkfusion.common.test.TestDirs;

/** Two executor JVMs: every row scored right, and each executor loads the model exactly once. */
@ExtendWith(LocalClusterSpark.class)
@SparkConfs({"spark.plugins=org.sparkfusion.dlrm.DlrmPlugin"})
class DlrmClusterTest {

  @Test
  void scoresAcrossTwoExecutorsWithOneModelLoadPerExecutor(SparkSession spark) throws Exception {
    Path model = TestDirs.newDir("cluster-model").resolve("dot_checkpoint.pt");
    Files.copy(Fixtures.path("dot_checkpoint.pt"), model);
    String path = model.toString();
    Dataset<Row> in = spark.read().json(DlrmSqlTest.ROWS).repartition(8);

    List<Row> byTransformer = new DlrmModel().setModelPath(path).setBatchSize(4).transform(in)
        .selectExpr("ctr", "expected").collectAsList();
    DlrmFunctions.register(spark, path);
    in.createOrReplaceTempView("cluster_rows");
    List<Row> bySql = spark.sql("SELECT dlrm_predict(dense, sparse), expected FROM cluster_rows").collectAsList();
    for (List<Row> rows : List.of(byTransformer, bySql)) {
      assertThat(rows).hasSize(40);
      for (Row r : rows) {
        assertThat(r.getDouble(0)).isCloseTo(r.getDouble(1), within(1e-5));
      }
    }

    MapPartitionsFunction<Long, String> report = it -> List.of(SparkEnv.get().executorId() + "="
        + ExecutorModels.loadCount(path)).iterator();
    Map<String, Integer> loadsByExecutor = new HashMap<>();
    for (String s : spark.range(0, 16, 1, 16).mapPartitions(report, Encoders.STRING()).collectAsList()) {
      String[] kv = s.split("=");
      loadsByExecutor.put(kv[0], Integer.parseInt(kv[1]));
    }
    assertThat(loadsByExecutor).hasSize(2).doesNotContainKey("driver");
    assertThat(loadsByExecutor.values()).containsOnly(1);
  }
}
