package org.sparkfusion.dlrm;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.JobConf;
import org.sparkfusion.common.cli.JobErrors;
import org.sparkfusion.common.cli.ParamOptions;
import org.sparkfusion.common.cli.StandardOptions;
import org.sparkfusion.common.io.HadoopIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sparkfusion dlrm-predict}: scores rows with a DLRM through {@link DlrmModel} and writes every input
 * column plus {@code ctr} (double). Inputs: JSON lines or Parquet with {@code dense} and {@code sparse} columns,
 * or raw Criteo TSV (label, 13 integer features, 26 hex categorical features; dense = log(1 + max(x, 0)),
 * categorical ids = the hex value hashed modulo the table size). The scoring flags are DlrmModel's Params.
 *
 * <p>The output is written to a hidden sibling of {@code --output} and renamed into place only when complete
 * ({@link HadoopIO#commitDirectory}): a failed or killed run leaves the previous result, or nothing, and never a
 * directory that blocks the rerun.
 */
public final class DlrmPredictJob {

  private DlrmPredictJob() {}

  /** Input formats of {@code --format}. */
  enum InputFormat {
    JSONL("jsonl"), PARQUET("parquet"), CRITEO_TSV("criteo-tsv");

    final String id;

    InputFormat(String id) {
      this.id = id;
    }

    /** Text formats, whose lines can be malformed. */
    boolean textual() {
      return this != PARQUET;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /** Output formats of {@code --output-format}. */
  enum OutputFormat {
    JSON("json"), PARQUET("parquet");

    final String id;

    OutputFormat(String id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /** What a JSON or TSV line that does not parse does: fail the job (Spark FAILFAST) or drop it and count it. */
  enum MalformedRows {
    FAIL("fail", "FAILFAST"), DROP("drop", "DROPMALFORMED");

    final String id;
    final String sparkMode;

    MalformedRows(String id, String sparkMode) {
      this.id = id;
      this.sparkMode = sparkMode;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  static final class InputFormatConverter extends Cli.IdConverter<InputFormat> {
    InputFormatConverter() {
      super(InputFormat.values());
    }
  }

  static final class OutputFormatConverter extends Cli.IdConverter<OutputFormat> {
    OutputFormatConverter() {
      super(OutputFormat.values());
    }
  }

  static final class MalformedConverter extends Cli.IdConverter<MalformedRows> {
    MalformedConverter() {
      super(MalformedRows.values());
    }
  }

  /** The command line: the job's own options here, the scoring settings derived from {@link DlrmModel}'s Params. */
  @Command(name = "dlrm-predict", sortOptions = false, showDefaultValues = false,
      description = "Scores rows with a DLRM and writes them with a ctr column, atomically (docs/dlrm.md)")
  static final class Options implements Cli.WithParams, Cli.Checked {
    @Mixin StandardOptions standard;

    @Option(names = "--input", required = true, paramLabel = "<path>", description = "rows to score (any Hadoop path)")
    String input;

    @Option(names = "--output", required = true, paramLabel = "<dir>",
        description = "output directory; written beside it and renamed into place when complete")
    String output;

    @Option(names = "--format", paramLabel = "jsonl|parquet|criteo-tsv", converter = InputFormatConverter.class,
        description = "input format: JSON lines or Parquet with dense and sparse columns, or raw Criteo TSV "
            + "(whose out-of-range ids are hashed unless --out-of-range-ids is given) (default: jsonl)")
    InputFormat format = InputFormat.JSONL;

    @Option(names = "--output-format", paramLabel = "json|parquet", converter = OutputFormatConverter.class,
        description = "output format (default: json)")
    OutputFormat outputFormat = OutputFormat.JSON;

    @Option(names = "--malformed-rows", paramLabel = "fail|drop", converter = MalformedConverter.class,
        description = "a JSON or TSV line that does not parse: fail the job, or drop it and report the count "
            + "(default: fail)")
    MalformedRows malformed = MalformedRows.FAIL;

    @Option(names = "--overwrite", description = "replace an existing --output, once the new result is complete")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    final ParamOptions dlrm = ParamOptions.of("DlrmModel", new DlrmModel())
        .exclude("denseCol", "sparseCol", "outputCol")
        .alias("modelPath", "--model")
        .values("embeddingBackend", BackendSelector::choices)
        .values("interaction", () -> DlrmModel.INTERACTIONS)
        .values("outOfRangeIds", () -> DlrmModel.OUT_OF_RANGE_IDS)
        .values("nonFiniteDense", () -> DlrmModel.NON_FINITE_DENSE)
        .build();

    @Override
    public List<ParamOptions> paramOptions() {
      return List.of(dlrm);
    }

    @Override
    public void check() {
      if (!dlrm.isGiven("modelPath")) {
        throw new IllegalArgumentException("--model is required (a torch.save checkpoint or a .npy directory)");
      }
    }

    /** The stage these flags describe; raw Criteo ids are hashed unless the user chose otherwise. */
    DlrmModel stage() {
      DlrmModel stage = dlrm.applyTo(new DlrmModel());
      if (format == InputFormat.CRITEO_TSV && !dlrm.isGiven("outOfRangeIds")) {
        stage.setOutOfRangeIds("hash");
      }
      return stage;
    }
  }

  /** A fresh declaration of the job's command line (for {@code docs/cli.md}). */
  public static Object cliOptions() {
    return new Options();
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, o -> {
      SparkSession spark = SparkSession.builder().config(JobConf.base(o.master, "dlrm-predict")).getOrCreate();
      try {
        run(spark, o);
      } finally {
        spark.stop();
      }
    });
  }

  /** Runs the job with command-line flags in an existing session (which it leaves running). */
  static void run(SparkSession spark, String... args) {
    run(spark, Cli.parse(new Options(), args));
  }

  static void run(SparkSession spark, Options o) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Path target = new Path(o.output);
    // Before any work: an existing result without --overwrite is an error naming it.
    io(() -> HadoopIO.checkOutput(target, hadoop, o.overwrite), o.output);
    DlrmModel stage = o.stage();
    // The model is opened and checked on the driver before the input is read.
    DriverModelCheck.check(spark, stage.options(spark.conf()), "dlrm-predict --model");
    long t0 = System.nanoTime();
    Row[] stats = new Row[1];
    spark.sparkContext().setJobDescription("dlrm-predict: score " + o.input + " -> " + o.output);
    try {
      // Reading JSON infers its schema (a scan), so a malformed line can surface here as well as in the write.
      Dataset<Row> scored = stage.transform(read(spark, o.input, o.format, o.malformed));
      if (o.format == InputFormat.CRITEO_TSV) {
        scored = scored.drop("dense", "sparse");
      }
      write(spark, o, target, hadoop, scored, scored.schema(), stats);
    } catch (Exception e) {  // SparkException is checked, thrown through Scala; rethrown as it is (precise rethrow)
      String malformed = JobErrors.malformedRecord(e);
      if (malformed != null) {
        throw new JobErrors.Explained("--input " + o.input + ": " + malformed + " (--malformed-rows drop skips "
            + "such lines and reports how many)", e);
      }
      throw e;
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    Row st = stats[0];
    String dropped = o.format.textual() && o.malformed == MalformedRows.DROP
        ? ", " + (countLines(spark, o.input) - st.getLong(0)) + " malformed input lines dropped" : "";
    System.out.printf("dlrm-predict: scored %d rows (%d non-null%s) in %.1f s (%.0f rows/s incl. read and write) -> %s%n",
        st.getLong(0), st.getLong(1), dropped, secs, st.getLong(0) / secs, o.output);
    System.out.printf("dlrm-predict: ctr mean %.6f min %.6f max %.6f%n", st.isNullAt(2) ? Double.NaN : st.getDouble(2),
        st.isNullAt(3) ? Double.NaN : st.getDouble(3), st.isNullAt(4) ? Double.NaN : st.getDouble(4));
  }

  /** Writes the scored rows beside the output, reads them back for the summary, then renames them into place. */
  private static void write(SparkSession spark, Options o, Path target, Configuration hadoop, Dataset<Row> out,
      StructType schema, Row[] stats) {
    io(() -> HadoopIO.commitDirectory(target, hadoop, o.overwrite, tmp -> {
      var writer = out.write().mode(SaveMode.ErrorIfExists);
      if (o.outputFormat == OutputFormat.PARQUET) {
        writer.parquet(tmp.toString());
      } else {
        writer.json(tmp.toString());
      }
      // Read back before the rename: the summary describes exactly what is committed.
      Dataset<Row> written = o.outputFormat == OutputFormat.PARQUET ? spark.read().parquet(tmp.toString())
          : spark.read().schema(schema).json(tmp.toString());
      stats[0] = written.selectExpr("count(*)", "count(ctr)", "avg(ctr)", "min(ctr)", "max(ctr)").first();
    }), o.output);
  }

  static Dataset<Row> read(SparkSession spark, String input, InputFormat format, MalformedRows malformed) {
    return switch (format) {
      case PARQUET -> spark.read().parquet(input);
      case JSONL -> spark.read().option("mode", malformed.sparkMode).json(input);
      case CRITEO_TSV -> criteoTsv(spark, input, malformed);
    };
  }

  /** Non-blank lines of a text input: what JSON and CSV parse, so lines minus rows = rows dropped. */
  private static long countLines(SparkSession spark, String input) {
    return spark.read().text(input).filter("trim(value) <> ''").count();
  }

  /** Runs an output step, turning an IOException into a one-line error naming the output. */
  private static void io(IoStep step, String output) {
    try {
      step.run();
    } catch (IOException e) {
      throw new JobErrors.Explained("--output: " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  interface IoStep {
    void run() throws IOException;
  }

  /** Raw Criteo rows: label, I1..I13 (integers, may be empty), C1..C26 (8-digit hex, may be empty). */
  static Dataset<Row> criteoTsv(SparkSession spark, String input, MalformedRows malformed) {
    StructType schema = new StructType().add("label", DataTypes.IntegerType);
    List<String> dense = new ArrayList<>();
    List<String> sparse = new ArrayList<>();
    for (int i = 1; i <= 13; i++) {
      schema = schema.add("I" + i, DataTypes.LongType);
      dense.add("CAST(ln(1 + greatest(coalesce(I" + i + ", 0), 0)) AS FLOAT)");
    }
    List<String> valid = new ArrayList<>();
    for (int i = 1; i <= 26; i++) {
      String c = "C" + i;
      schema = schema.add(c, DataTypes.StringType);
      // At most 15 hex digits: conv() of more could pass 2^63 and overflow (the Criteo values have 8).
      valid.add("(" + c + " IS NULL OR " + c + " = '' OR " + c + " RLIKE '^[0-9a-fA-F]{1,15}$')");
      sparse.add("CASE WHEN " + c + " IS NULL OR " + c + " = '' THEN CAST(array() AS array<bigint>) "
          + "WHEN " + c + " RLIKE '^[0-9a-fA-F]{1,15}$' THEN array(CAST(conv(" + c + ", 16, 10) AS bigint)) "
          + "ELSE raise_error(concat('malformed record in ', input_file_name(), ': column " + c
          + " is not a hexadecimal category id of at most 15 digits: ', substr(" + c + ", 1, 40))) END");
    }
    Dataset<Row> raw = spark.read().option("sep", "\t").option("mode", malformed.sparkMode).schema(schema).csv(input);
    if (malformed == MalformedRows.DROP) {
      raw = raw.filter(String.join(" AND ", valid));
    }
    List<String> cols = new ArrayList<>(List.of(raw.columns()));
    cols.add("array(" + String.join(", ", dense) + ") AS dense");
    cols.add("array(" + String.join(", ", sparse) + ") AS sparse");
    return raw.selectExpr(cols.toArray(new String[0]));
  }
}
