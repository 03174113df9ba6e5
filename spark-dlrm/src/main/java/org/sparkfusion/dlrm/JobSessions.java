package org.sparkfusion.dlrm;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Sessions for the job mains: the master comes from spark-submit; local[*] only when none is set. */
final class JobSessions {
  private JobSessions() {}

  static SparkSession session(String appName) {
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    if (!new SparkConf().contains("spark.master")) {
      b.master("local[*]");
    }
    return b.getOrCreate();
  }
}
