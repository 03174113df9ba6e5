package org.sparkfusion.dagtrain

import org.apache.spark.sql.{Row, SparkSession}
import org.scalatest.funsuite.AnyFunSuite
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator

import scala.jdk.CollectionConverters._

/** The API as a spark-shell user touches it: builder, plan explanation, DataFrame in, report out. */
class DagTrainSuite extends AnyFunSuite {

  private def graph(): Graph = {
    val b = new GraphBuilder()
    val x = b.input("x", DType.FLOAT, 4)
    val y = b.input("y", DType.INT)
    val h = b.relu("h", b.linear("fc1", x, 16))
    b.softmaxCrossEntropy("loss", b.linear("fc2", h, 2), y)
    b.build()
  }

  test("a graph built in the shell explains its plan over two executors") {
    val plan = Plan.plan(graph(), ClusterProfile.uniform(2, 1e9, 1e-4, 1L << 30), "even", "none", 2, 8, 1e9)
    assert(plan.stageCount() == 2)
    assert(plan.explain().contains("stage 1 on executor-1"))
  }

  test("an invalid graph names the offending node") {
    val b = new GraphBuilder()
    val x = b.input("x", DType.FLOAT, 4)
    val y = b.input("y", DType.INT)
    b.softmaxCrossEntropy("loss", b.add("bad", b.linear("a", x, 3), b.linear("c", x, 5)), y)
    val e = intercept[GraphValidationException](b.build())
    assert(e.getMessage.contains("'bad' (add)"))
  }

  test("training from a DataFrame lowers the loss") {
    val spark = SparkSession.builder().master("local[2]").appName("dagtrain-suite")
      .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
      .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
      .config("spark.kryo.registrator", SparkFusionKryoRegistrator.CLASS_NAME).getOrCreate()
    try {
      val g = graph()
      val rnd = new scala.util.Random(3)
      val rows = (0 until 256).map { _ =>
        val x = Array.fill(4)(rnd.nextFloat() * 2 - 1)
        Row(x.toSeq, Seq(if (x(0) + x(1) > 0) 1f else 0f))
      }
      val df = spark.createDataFrame(rows.asJava, DagTrainer.schemaFor(g))
      val report = new DagTrainer(g).stages(2).planner("even").steps(30).microBatches(2).microBatchSize(16)
        .learningRate(0.05).fitInProcess(df).summary()
      val losses = report.losses().asScala.map(_.doubleValue)
      assert(losses.size == 30)
      assert(losses.takeRight(5).sum < 0.7 * losses.take(5).sum)
    } finally {
      spark.stop()
    }
  }
}
