package org.sparkfusion.common.cli;

import org.apache.spark.SparkConf;
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator;

/** The Spark configuration every job starts from: spark-submit's, then the job's {@code --master}, then Kryo. */
public final class JobConf {
  private JobConf() {}

  /**
   * spark-submit's settings, {@code master} if given (else spark-submit's, else local[*]), {@code appName} and the
   * project's Kryo registration unless already set.
   */
  public static SparkConf base(String master, String appName) {
    SparkConf conf = new SparkConf();
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", appName);
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.setIfMissing("spark.kryo.registrator", SparkFusionKryoRegistrator.CLASS_NAME);
    return conf;
  }
}
