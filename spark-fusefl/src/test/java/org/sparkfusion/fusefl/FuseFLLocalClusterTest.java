package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalClusterSpark;
import org.sparkfusion.common.test.SparkConfs;

/** End to end on two executor JVMs: client tasks, broadcasts of fused blocks, Kryo, retries. */
@ExtendWith(LocalClusterSpark.class)
@SparkConfs({"spark.network.timeout=600s", "spark.executor.heartbeatInterval=20s"})
class FuseFLLocalClusterTest {

  private static Dataset<Row> skewedClients(SparkSession spark) {
    Dataset<Row> train = SyntheticImages.frame(spark, 720, 6, 11);
    return DirichletPartitioner.partition(train, "label", "client", 3, 0.1, 5);
  }

  @Test
  void fuseflBeatsOneShotFedAvgOnLabelSkewedClients(SparkSession spark) {
    Dataset<Row> clients = skewedClients(spark).cache();
    Dataset<Row> test = SyntheticImages.frame(spark, 300, 6, 99).cache();
    FuseFLModel fusefl = FuseFLTestSupport.tinyFuseFL().fit(clients);
    FuseFLModel fedavg = FuseFLTestSupport.tinyFuseFL().setMethod("fedavg").fit(clients);
    double fuseflAcc = FuseFLTestSupport.accuracy(fusefl, test);
    double fedavgAcc = FuseFLTestSupport.accuracy(fedavg, test);
    assertThat(fuseflAcc).as("FuseFL %.3f vs FedAvg %.3f", fuseflAcc, fedavgAcc).isGreaterThan(fedavgAcc + 0.05);
    assertThat(fusefl.summary().stageLog()).hasSize(3);
    assertThat(fusefl.summary().stageLog().get(1)).startsWith("FuseFL stage 2/2: local training");
  }

  @Test
  void aClientTaskFailingOnceIsRetriedAndGivesTheIdenticalModel(SparkSession spark) {
    Dataset<Row> clients = skewedClients(spark).cache();
    Dataset<Row> test = SyntheticImages.frame(spark, 50, 6, 98).cache();
    FuseFL fuseFL = FuseFLTestSupport.tinyFuseFL().setEpochsPerStage(1);
    double[][] clean = FuseFLTestSupport.probabilities(fuseFL.fit(clients), test);
    spark.conf().set(FuseFLConfig.TEST_FAIL_FIRST_ATTEMPT.key(), "2");
    double[][] retried;
    try {
      retried = FuseFLTestSupport.probabilities(fuseFL.fit(clients), test);
    } finally {
      spark.conf().unset(FuseFLConfig.TEST_FAIL_FIRST_ATTEMPT.key());
    }
    assertThat(retried).isDeepEqualTo(clean);
  }
}
