package org.sparkfusion.dlrm;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bin/sparkfusion dlrm-predict}: scores rows with a DLRM through {@link DlrmModel} and writes every input
 * column plus {@code ctr} (double). Inputs: JSON lines or Parquet with {@code dense} and {@code sparse} columns,
 * or raw Criteo TSV (label, 13 integer features, 26 hex categorical features; dense = log(1 + max(x, 0)),
 * categorical ids = the hex value hashed modulo the table size).
 */
public final class DlrmPredictJob {
  static final String USAGE = "usage: dlrm-predict --model PATH --input ROWS --output DIR\n"
      + "  [--format jsonl|parquet|criteo-tsv (jsonl)] [--output-format json|parquet (json)]\n"
      + "  [--embedding-backend cpu|cpu-int8|upmem|upmem-emu] [--batch-size N (1024)]\n"
      + "  [--out-of-range-ids error|hash (error; hash for criteo-tsv)] [--interaction dot|cat] [--self-interaction]\n"
      + "  [--overwrite] [--master URL via spark-submit]";

  private DlrmPredictJob() {}

  public static void main(String[] argv) {
    SparkSession spark = JobSessions.session("dlrm-predict");
    try {
      run(spark, argv);
    } finally {
      spark.stop();
    }
  }

  /** Runs the job in an existing session (which it leaves running). */
  static void run(SparkSession spark, String[] argv) {
    JobArgs a = new JobArgs("dlrm-predict", argv, Set.of("--model", "--input", "--output", "--format",
        "--output-format", "--embedding-backend", "--batch-size", "--out-of-range-ids", "--interaction"),
        Set.of("--self-interaction", "--overwrite"), USAGE);
    String model = a.required("--model");
    String input = a.required("--input");
    String output = a.required("--output");
    String format = a.oneOf("--format", "jsonl", "jsonl", "parquet", "criteo-tsv");
    String outFormat = a.oneOf("--output-format", "json", "json", "parquet");
    String backend = a.oneOf("--embedding-backend", null, "cpu", "cpu-int8", "upmem", "upmem-emu");
    String oor = a.oneOf("--out-of-range-ids", format.equals("criteo-tsv") ? "hash" : "error", "error", "hash");
    String interaction = a.oneOf("--interaction", "dot", "dot", "cat");
    int batch = (int) a.getLong("--batch-size", DlrmConf.BATCH_SIZE.defaultValue(), 1);

    if (backend != null) {
      spark.conf().set(DlrmConf.EMBEDDING_BACKEND.key(), backend);
    }
    Dataset<Row> rows = read(spark, input, format);
    DlrmModel stage = new DlrmModel().setModelPath(model).setBatchSize(batch).setOutOfRangeIds(oor)
        .setInteraction(interaction).setSelfInteraction(a.has("--self-interaction"))
        .setEmbeddingBackend(backend == null ? "" : backend);
    Dataset<Row> scored = stage.transform(rows);
    if (format.equals("criteo-tsv")) {
      scored = scored.drop("dense", "sparse");
    }
    long t0 = System.nanoTime();
    var writer = scored.write().mode(a.has("--overwrite") ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
    if (outFormat.equals("parquet")) {
      writer.parquet(output);
    } else {
      writer.json(output);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    Dataset<Row> written = outFormat.equals("parquet") ? spark.read().parquet(output) : spark.read().json(output);
    Row stats = written.selectExpr("count(*)", "count(ctr)", "avg(ctr)", "min(ctr)", "max(ctr)").first();
    System.out.printf("dlrm-predict: scored %d rows (%d non-null) in %.1f s (%.0f rows/s incl. read and write) -> %s%n",
        stats.getLong(0), stats.getLong(1), secs, stats.getLong(0) / secs, output);
    System.out.printf("dlrm-predict: ctr mean %.6f min %.6f max %.6f%n", stats.isNullAt(2) ? Double.NaN : stats.getDouble(2),
        stats.isNullAt(3) ? Double.NaN : stats.getDouble(3), stats.isNullAt(4) ? Double.NaN : stats.getDouble(4));
  }

  static Dataset<Row> read(SparkSession spark, String input, String format) {
    switch (format) {
      case "parquet":
        return spark.read().parquet(input);
      case "jsonl":
        return spark.read().json(input);
      default:
        return criteoTsv(spark, input);
    }
  }

  /** Raw Criteo rows: label, I1..I13 (integers, may be empty), C1..C26 (8-digit hex, may be empty). */
  static Dataset<Row> criteoTsv(SparkSession spark, String input) {
    StructType schema = new StructType().add("label", DataTypes.IntegerType);
    List<String> dense = new ArrayList<>();
    List<String> sparse = new ArrayList<>();
    for (int i = 1; i <= 13; i++) {
      schema = schema.add("I" + i, DataTypes.LongType);
      dense.add("CAST(ln(1 + greatest(coalesce(I" + i + ", 0), 0)) AS FLOAT)");
    }
    for (int i = 1; i <= 26; i++) {
      schema = schema.add("C" + i, DataTypes.StringType);
      sparse.add("IF(C" + i + " IS NULL OR C" + i + " = '', CAST(array() AS array<bigint>), array(CAST(conv(C" + i
          + ", 16, 10) AS bigint)))");
    }
    Dataset<Row> raw = spark.read().option("sep", "\t").option("mode", "FAILFAST").schema(schema).csv(input);
    List<String> cols = new ArrayList<>(List.of(raw.columns()));
    cols.add("array(" + String.join(", ", dense) + ") AS dense");
    cols.add("array(" + String.join(", ", sparse) + ") AS sparse");
    return raw.selectExpr(cols.toArray(new String[0]));
  }
}
