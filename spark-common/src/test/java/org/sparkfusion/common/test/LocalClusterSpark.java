package org.sparkfusion.common.test;

/**
 * JUnit 5 extension giving tests a {@link org.apache.spark.sql.SparkSession} on
 * {@code local-cluster[2,1,1024]}: two real executor JVMs, one core and 1 GiB each, so closures, Kryo,
 * broadcasts, plugins and task retries cross process boundaries. Same settings as {@link LocalSpark}.
 */
public final class LocalClusterSpark extends SparkSessionExtension {
  public static final String MASTER = "local-cluster[2,1,1024]";

  @Override
  String master() {
    return MASTER;
  }
}
