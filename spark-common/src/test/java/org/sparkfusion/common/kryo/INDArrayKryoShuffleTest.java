package org.sparkfusion.common.kryo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkfusion.common.test.LocalClusterSpark;
import scala.Tuple2;

@ExtendWith(LocalClusterSpark.class)
class INDArrayKryoShuffleTest {

  @Test
  void indArraysSurviveAShuffleBetweenTwoExecutorJvms(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> seeds = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      seeds.add(i);
    }
    // Arrays are made on the executors, keyed so that the shuffle moves them to the other partition.
    JavaPairRDD<Integer, INDArray> arrays = jsc.parallelize(seeds, 2)
        .mapToPair(i -> new Tuple2<>(i, Nd4j.arange(i, i + 6.0).reshape(2, 3).muli(1.5)));
    Map<Integer, INDArray> collected = arrays
        .partitionBy(new org.apache.spark.HashPartitioner(2))
        .mapToPair(t -> new Tuple2<>(t._1(), t._2().add(1.0)))
        .collectAsMap();

    assertThat(collected).hasSize(8);
    for (int i = 0; i < 8; i++) {
      INDArray expected = Nd4j.arange(i, i + 6.0).reshape(2, 3).muli(1.5).addi(1.0);
      assertThat(collected.get(i).shape()).containsExactly(2, 3);
      assertThat(collected.get(i).equalsWithEps(expected, 1e-12)).as("array %d", i).isTrue();
    }
    List<String> executorIds = jsc.parallelize(seeds, 4)
        .map(i -> org.apache.spark.SparkEnv.get().executorId()).distinct().collect();
    assertThat(executorIds).as("work ran on two separate executor JVMs").hasSize(2);
  }
}
