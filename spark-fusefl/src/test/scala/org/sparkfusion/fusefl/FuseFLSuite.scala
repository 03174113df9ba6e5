package org.sparkfusion.fusefl

import org.apache.spark.ml.{Pipeline, PipelineModel, PipelineStage}
import org.apache.spark.sql.SparkSession
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite
import org.sparkfusion.common.test.TestDirs

/** FuseFL used the way a spark-shell user would: DataFrames, params, SQL, Pipeline save/load. */
class FuseFLSuite extends AnyFunSuite with BeforeAndAfterAll {

  private lazy val spark: SparkSession = SparkSession.builder()
    .master("local[2]")
    .appName("fusefl-suite")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.sql.shuffle.partitions", "4")
    .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
    .config("spark.kryo.registrationRequired", "true")
    .config("spark.kryo.registrator", "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator")
    .getOrCreate()

  override def afterAll(): Unit = spark.stop()

  test("partition, fit in a Pipeline, score with SQL, save and reload the PipelineModel") {
    val train = SyntheticImages.frame(spark, 300, 4, 7L)
    val clients = DirichletPartitioner.partition(train, "label", "client", 3, 0.5, 1L)
    assert(clients.rdd.getNumPartitions == 3)
    assert(clients.select("client").distinct().count() == 3)

    val fusefl = new FuseFL()
      .setBackbone("cnn4").setBlocks(2).setEpochsPerStage(2).setBatchSize(16).setWidth(8).setLearningRate(0.02)
      .setCalibrationSamples(500).setSeed(5L)
    val model = new Pipeline().setStages(Array[PipelineStage](fusefl)).fit(clients)

    SyntheticImages.frame(spark, 200, 4, 8L).createOrReplaceTempView("digits")
    model.transform(spark.table("digits")).createOrReplaceTempView("scored")
    val accuracy = spark.sql("SELECT avg(CAST(prediction = label AS DOUBLE)) FROM scored").first().getDouble(0)
    assert(accuracy > 0.5, s"accuracy $accuracy on 4 separable classes")

    val path = TestDirs.newDir("scala-pipeline").resolve("model").toUri.toString
    model.write.overwrite().save(path)
    val reloaded = PipelineModel.load(path)
    val again = reloaded.transform(spark.table("digits")).selectExpr("avg(CAST(prediction = label AS DOUBLE))")
      .first().getDouble(0)
    assert(again == accuracy)
  }
}
