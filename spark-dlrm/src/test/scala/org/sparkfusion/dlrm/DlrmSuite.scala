package org.sparkfusion.dlrm

import org.apache.spark.sql.SparkSession
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite

/** The public API as a spark-shell user drives it: configuration, SQL and the ML stage. */
class DlrmSuite extends AnyFunSuite with BeforeAndAfterAll {

  private lazy val spark: SparkSession = SparkSession.builder()
    .master("local[2]")
    .appName("DlrmSuite")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.sql.shuffle.partitions", "2")
    .getOrCreate()

  private val model = Fixtures.path("dot_checkpoint.pt").toString
  private val rows = Fixtures.path("dot_rows.jsonl").toString

  override def afterAll(): Unit = spark.stop()

  test("dlrm_predict in SQL matches the PyTorch outputs after one register call") {
    DlrmFunctions.register(spark, model)
    spark.read.json(rows).createOrReplaceTempView("impressions")
    val got = spark.sql("SELECT dlrm_predict(dense, sparse) AS ctr, expected FROM impressions").collect()
    assert(got.length == 40)
    got.foreach(r => assert(math.abs(r.getDouble(0) - r.getDouble(1)) < 1e-5, r.toString))
  }

  test("DlrmModel in a DataFrame pipeline agrees with the SQL function") {
    DlrmFunctions.register(spark, model)
    val in = spark.read.json(rows)
    val scored = new DlrmModel().setModelPath(model).setOutputCol("p").transform(in)
      .selectExpr("p", "dlrm_predict(dense, sparse) AS q").collect()
    assert(scored.length == 40)
    scored.foreach(r => assert(r.getDouble(0) == r.getDouble(1)))
  }
}
