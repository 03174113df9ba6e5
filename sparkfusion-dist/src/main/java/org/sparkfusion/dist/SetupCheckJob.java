package org.sparkfusion.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.StandardOptions;
import org.sparkfusion.common.config.ConfigDocs;
import org.sparkfusion.common.config.ConfigTable;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code bin/sparkfusion check}: verifies that a Spark deployment can run Spark Fusion. It waits for the
 * expected executors, runs a job on every executor that loads the project's modules there, and shuffles ND4J
 * arrays between executors through the configured serializer. Prints a table; {@code --json OUT} also writes
 * the result (atomically, through Hadoop's FileSystem). Exits non-zero if a check fails.
 *
 * <pre>spark-submit --class org.sparkfusion.dist.SetupCheckJob sparkfusion-dist.jar [--executors N] [--json OUT]</pre>
 */
public final class SetupCheckJob {

  private SetupCheckJob() {}

  @Command(name = "check", sortOptions = false,
      description = "check that Spark Fusion runs on a deployment (executors, modules, ND4J over Kryo)")
  static final class Options implements Cli.Checked {
    @Mixin StandardOptions standard;

    @Option(names = "--executors", paramLabel = "<N>",
        description = "wait up to 2 minutes for N executors before checking (default: ${DEFAULT-VALUE}: do not wait)")
    int executors;

    @Option(names = "--json", paramLabel = "<file>", description = "also write the result as JSON (atomically)")
    String json;

    @Override
    public void check() {
      if (executors < 0) {
        throw new IllegalArgumentException("--executors must be >= 0, got " + executors);
      }
    }
  }

  /** A fresh declaration of the job's command line (for {@code --help}-style docs: {@code docs/cli.md}). */
  public static Object cliOptions() {
    return new Options();
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, SetupCheckJob::check);
  }

  private static void check(Options o) throws Exception {
    SparkSession.Builder builder = SparkSession.builder().appName("Spark Fusion setup check");
    if (!new org.apache.spark.SparkConf().contains("spark.master")) {
      builder.master("local[*]");
    }
    SparkSession spark = builder.getOrCreate();
    try {
      Map<String, Object> result = run(spark, o.executors);
      String rendered = toJson(result);
      System.out.println(rendered);
      if (o.json != null) {
        HadoopIO.writeFileAtomically(new Path(o.json), spark.sparkContext().hadoopConfiguration(), true,
            out -> out.write(rendered.getBytes(StandardCharsets.UTF_8)));
      }
      if (!Boolean.TRUE.equals(result.get("ok"))) {
        throw new IllegalStateException("check failed: " + result.get("executors") + " executor(s) of " + o.executors
            + " expected, ND4J arrays through a shuffle " + (Boolean.TRUE.equals(result.get("nd4j_shuffle_ok"))
            ? "ok" : "wrong"));
      }
    } finally {
      spark.stop();
    }
  }

  static Map<String, Object> run(SparkSession spark, int expectedExecutors) throws InterruptedException {
    SparkFusionKryoRegistrator.requireRegisteredIfKryo(spark.sparkContext().getConf());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long deadline = System.currentTimeMillis() + 120_000;
    while (executorCount(spark) < expectedExecutors && System.currentTimeMillis() < deadline) {
      Thread.sleep(250);
    }
    int executors = executorCount(spark);
    int partitions = Math.max(4, 2 * Math.max(1, executors));

    jsc.setJobDescription("Spark Fusion check: modules on executors");
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      ids.add(i);
    }
    List<String> seen = jsc.parallelize(ids, partitions).map(i -> executorReport()).distinct().collect();

    jsc.setJobDescription("Spark Fusion check: ND4J arrays through a shuffle");
    Map<Integer, INDArray> shuffled = jsc.parallelize(ids, partitions)
        .mapToPair(i -> new Tuple2<>(i, Nd4j.linspace(1, 12, 12).reshape(3, 4).muli(i)))
        .partitionBy(new HashPartitioner(partitions))
        .collectAsMap();
    boolean arraysOk = shuffled.size() == partitions;
    for (Map.Entry<Integer, INDArray> e : shuffled.entrySet()) {
      arraysOk &= Math.abs(e.getValue().sumNumber().doubleValue() - 78.0 * e.getKey()) < 1e-9;
    }

    Map<String, Object> result = new TreeMap<>();
    result.put("spark_version", spark.version());
    result.put("master", spark.sparkContext().master());
    result.put("serializer", spark.sparkContext().getConf().get("spark.serializer", "JavaSerializer"));
    result.put("executors", executors);
    result.put("executor_reports", new TreeSet<>(seen));
    result.put("driver_modules", modules());
    result.put("nd4j_shuffle_ok", arraysOk);
    result.put("ok", arraysOk && executors >= expectedExecutors && !seen.isEmpty());
    return result;
  }

  private static int executorCount(SparkSession spark) {
    int all = spark.sparkContext().getExecutorMemoryStatus().size();
    boolean local = spark.sparkContext().isLocal();
    return local ? 1 : Math.max(0, all - 1);
  }

  private static String executorReport() {
    return "executor " + SparkEnv.get().executorId() + " pid " + ProcessHandle.current().pid()
        + " modules " + modules();
  }

  private static List<String> modules() {
    List<String> names = new ArrayList<>();
    for (ConfigTable t : ConfigDocs.tables()) {
      names.add(t.module());
    }
    return names;
  }

  static String toJson(Object value) {
    if (value instanceof Map<?, ?> map) {
      StringBuilder sb = new StringBuilder("{");
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (sb.length() > 1) {
          sb.append(", ");
        }
        sb.append(toJson(String.valueOf(e.getKey()))).append(": ").append(toJson(e.getValue()));
      }
      return sb.append('}').toString();
    }
    if (value instanceof Iterable<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (Object o : list) {
        if (sb.length() > 1) {
          sb.append(", ");
        }
        sb.append(toJson(o));
      }
      return sb.append(']').toString();
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    String s = String.valueOf(value);
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }

}
