package org.sparkfusion.common.test;

/**
 * JUnit 5 extension giving tests a {@link org.apache.spark.sql.SparkSession} on {@code local[2]}, with Kryo
 * ({@code registrationRequired=true}, the project's registrator) and loopback networking. Declare a
 * {@code SparkSession} parameter on a test, {@code @BeforeAll} or constructor. Add settings with
 * {@link SparkConfs}.
 */
public final class LocalSpark extends SparkSessionExtension {
  public static final String MASTER = "local[2]";

  @Override
  String master() {
    return MASTER;
  }
}
