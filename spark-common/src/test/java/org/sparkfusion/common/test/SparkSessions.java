package org.sparkfusion.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator;

/**
 * Owns the one SparkSession a test JVM may have. A session is reused by every test class asking for the same
 * master and settings, and replaced (stopped, then created anew) when a class asks for different ones.
 */
final class SparkSessions {

  private static SparkSession current;
  private static String currentKey;

  private SparkSessions() {}

  static synchronized SparkSession get(String master, List<String> extraConfs) {
    String key = master + "|" + String.join(",", extraConfs);
    if (current != null && Objects.equals(key, currentKey) && !current.sparkContext().isStopped()) {
      return current;
    }
    stop();
    if (master.startsWith("local-cluster")) {
      prepareSparkHome();
    }
    SparkSession.Builder builder = SparkSession.builder()
        .master(master)
        .appName("sparkfusion-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrationRequired", "true")
        .config("spark.kryo.registrator", SparkFusionKryoRegistrator.CLASS_NAME)
        .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
        .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "3")
        .config("spark.local.dir", TestDirs.root().resolve("spark-local").toString())
        .config("spark.sql.warehouse.dir", TestDirs.root().resolve("spark-warehouse").toUri().toString());
    if (master.startsWith("local-cluster")) {
      builder.config("spark.executor.extraJavaOptions", "-Xss4m")
          .config("spark.executor.memoryOverhead", "512m");
    }
    for (String conf : extraConfs) {
      int eq = conf.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("@SparkConfs entries must be key=value, got: " + conf);
      }
      builder.config(conf.substring(0, eq).trim(), conf.substring(eq + 1).trim());
    }
    current = builder.getOrCreate();
    currentKey = key;
    return current;
  }

  static synchronized void stop() {
    if (current != null) {
      current.stop();
      current = null;
      currentKey = null;
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }
  }

  static List<String> confsOf(Class<?> testClass) {
    List<String> confs = new ArrayList<>();
    for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
      SparkConfs annotation = c.getAnnotation(SparkConfs.class);
      if (annotation != null) {
        confs.addAll(List.of(annotation.value()));
      }
    }
    return confs;
  }

  /**
   * local-cluster executors are started by Spark's launcher, which needs SPARK_HOME with a jars/ folder
   * (the build points SPARK_HOME at target/spark-test-home and puts the classpath in SPARK_DIST_CLASSPATH).
   */
  private static void prepareSparkHome() {
    String home = System.getenv("SPARK_HOME");
    if (home == null || System.getenv("SPARK_DIST_CLASSPATH") == null || System.getenv("SPARK_SCALA_VERSION") == null) {
      throw new IllegalStateException("local-cluster tests need SPARK_HOME, SPARK_SCALA_VERSION and SPARK_DIST_CLASSPATH;"
          + " run them through Maven (the parent POM's spark-tests profile sets them)");
    }
    try {
      Path dir = Paths.get(home);
      Files.createDirectories(dir.resolve("jars"));
      Path release = dir.resolve("RELEASE");
      if (!Files.exists(release)) {
        Files.writeString(release, "Spark test home for Spark Fusion tests\n", StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not prepare SPARK_HOME " + home, e);
    }
  }
}
