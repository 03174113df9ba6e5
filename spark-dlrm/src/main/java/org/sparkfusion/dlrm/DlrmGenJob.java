package org.sparkfusion.dlrm;

import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.dlrm.checkpoint.ModelFiles;
import org.sparkfusion.dlrm.checkpoint.Tensor;
import org.sparkfusion.dlrm.core.DlrmNetwork;
import org.sparkfusion.dlrm.core.Interaction;

/**
 * {@code bin/sparkfusion dlrm-gen}: writes a synthetic Criteo-shaped data set (13 log-normal dense features, 26
 * sparse features with Zipf-skewed ids, Kaggle table sizes capped by {@code --max-table-rows}) to
 * {@code OUT/data} and a random-weight reference-layout DLRM (a directory of .npy files) to {@code OUT/model}.
 */
public final class DlrmGenJob {
  static final String USAGE = "usage: dlrm-gen --output DIR [--rows N (100000)] [--format jsonl|parquet (parquet)]\n"
      + "  [--max-table-rows N (100000)] [--dim D (16)] [--bottom 512-256-64 (hidden sizes; input 13, output D)]\n"
      + "  [--top 512-256 (hidden sizes; output 1)] [--bag-size K (1)] [--partitions P (2)] [--seed S (1)]\n"
      + "  [--no-model] [--overwrite]\n"
      + "Writes DIR/data (columns id, dense array<float>, sparse array<array<int>>) and DIR/model (.npy files).";

  private DlrmGenJob() {}

  public static void main(String[] argv) {
    SparkSession spark = JobSessions.session("dlrm-gen");
    try {
      run(spark, argv);
    } finally {
      spark.stop();
    }
  }

  /**
   * Runs the generator with the same flags as the command line inside an existing session, which stays
   * running (for notebooks and spark-shell): e.g. {@code generate(spark, "--output", dir, "--rows", "2000")}.
   */
  public static void generate(SparkSession spark, String... args) {
    run(spark, args);
  }

  /** Runs the job in an existing session (which it leaves running). */
  static void run(SparkSession spark, String[] argv) {
    JobArgs a = new JobArgs("dlrm-gen", argv, Set.of("--output", "--rows", "--format", "--max-table-rows", "--dim",
        "--bottom", "--top", "--bag-size", "--partitions", "--seed"), Set.of("--no-model", "--overwrite"), USAGE);
    String out = a.required("--output");
    long rows = a.getLong("--rows", 100_000, 1);
    String format = a.oneOf("--format", "parquet", "jsonl", "parquet");
    int[] tables = SyntheticCriteo.tableRows(a.getLong("--max-table-rows", 100_000, 1));
    int dim = (int) a.getLong("--dim", 16, 1);
    int[] bottomHidden = SyntheticCriteo.parseSizes("--bottom", a.get("--bottom", "512-256-64"));
    int[] topHidden = SyntheticCriteo.parseSizes("--top", a.get("--top", "512-256"));
    int bag = (int) a.getLong("--bag-size", 1, 1);
    int partitions = (int) a.getLong("--partitions", 2, 1);
    long seed = a.getLong("--seed", 1, Long.MIN_VALUE);
    boolean overwrite = a.has("--overwrite");

    long t0 = System.nanoTime();
    Dataset<Row> data = spark.range(0, rows, 1, partitions)
        .mapPartitions(new SyntheticCriteo.RowGenerator(tables, bag, seed), Encoders.row(SyntheticCriteo.SCHEMA));
    var writer = data.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
    String dataPath = out + "/data";
    if (format.equals("jsonl")) {
      writer.json(dataPath);
    } else {
      writer.parquet(dataPath);
    }
    System.out.printf("dlrm-gen: wrote %d rows (%s) to %s in %.1f s%n", rows, format, dataPath,
        (System.nanoTime() - t0) / 1e9);
    if (!a.has("--no-model")) {
      int n = tables.length;
      int[] bottom = concat(new int[] {SyntheticCriteo.DENSE}, bottomHidden, new int[] {dim});
      int[] top = concat(new int[] {dim + (n + 1) * n / 2}, topHidden, new int[] {1});
      Map<String, Tensor> model = SyntheticCriteo.randomModel(tables, dim, bottom, top, seed);
      DlrmNetwork net = DlrmNetwork.fromStateDict("generated", model, Interaction.DOT, false);
      String modelPath = out + "/model";
      ModelFiles.writeNpyDirectory(modelPath, model,
          spark.sparkContext().hadoopConfiguration(), overwrite);
      System.out.printf("dlrm-gen: wrote model %s (%s) to %s%n", "random", net.describe(), modelPath);
    }
  }

  private static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
  }
}
