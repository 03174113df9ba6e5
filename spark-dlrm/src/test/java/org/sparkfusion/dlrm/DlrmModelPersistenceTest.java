package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.MiniDfs;

@ExtendWith({LocalSpark.class, MiniDfs.class})
class DlrmModelPersistenceTest {

  @Test
  void savedStageOnHdfsCarriesItsModelAndParams(SparkSession spark, MiniDfs.Hdfs hdfs) throws Exception {
    String modelOnHdfs = hdfs.path("/models/dot_checkpoint.pt");
    hdfs.fileSystem().copyFromLocalFile(new Path(Fixtures.path("dot_checkpoint.pt").toUri()), new Path(modelOnHdfs));
    DlrmModel stage = new DlrmModel().setModelPath(modelOnHdfs).setOutputCol("p").setBatchSize(5);
    String saved = hdfs.path("/stages/dlrm");
    stage.write().save(saved);
    hdfs.fileSystem().delete(new Path(modelOnHdfs), false);

    DlrmModel back = DlrmModel.load(saved);
    assertThat(back.uid()).isEqualTo(stage.uid());
    assertThat(back.getModelPath()).startsWith(saved).endsWith("/model/dot_checkpoint.pt");
    assertThat(back.getOrDefault(back.batchSize())).isEqualTo(5);
    List<Row> rows = back.transform(spark.read().json(DlrmSqlTest.ROWS)).selectExpr("p", "expected").collectAsList();
    for (Row r : rows) {
      assertThat(r.getDouble(0)).isCloseTo(r.getDouble(1), org.assertj.core.api.Assertions.within(1e-5));
    }
  }

  @Test
  void pipelineWithTheStageLoadsThroughTheStaticReader(SparkSession spark, MiniDfs.Hdfs hdfs) throws Exception {
    DlrmModel stage = new DlrmModel().setModelPath(Fixtures.path("dot_npy").toString());
    Dataset<Row> in = spark.read().json(DlrmSqlTest.ROWS);
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(in);
    String saved = hdfs.path("/stages/pipeline");
    fitted.write().overwrite().save(saved);
    PipelineModel back = PipelineModel.load(saved);
    assertThat(back.stages()[0]).isInstanceOf(DlrmModel.class);
    assertThat(back.transform(in).selectExpr("sum(ctr)").first().getDouble(0))
        .isEqualTo(fitted.transform(in).selectExpr("sum(ctr)").first().getDouble(0));
  }
}
