package org.sparkfusion.dlrm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.JobConf;
import org.sparkfusion.common.cli.StandardOptions;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.dlrm.checkpoint.ModelFiles;
import org.sparkfusion.dlrm.checkpoint.Tensor;
import org.sparkfusion.dlrm.core.DlrmNetwork;
import org.sparkfusion.dlrm.core.Interaction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sparkfusion dlrm-gen}: writes a synthetic Criteo-shaped data set (13 log-normal dense features, 26
 * sparse features with Zipf-skewed ids, Kaggle table sizes capped by {@code --max-table-rows}) to
 * {@code OUT/data} and a random-weight reference-layout DLRM (a directory of .npy files) to {@code OUT/model}.
 */
public final class DlrmGenJob {

  private DlrmGenJob() {}

  /** Formats of {@code --format}. */
  enum DataFormat {
    JSONL("jsonl"), PARQUET("parquet");

    final String id;

    DataFormat(String id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  static final class DataFormatConverter extends Cli.IdConverter<DataFormat> {
    DataFormatConverter() {
      super(DataFormat.values());
    }
  }

  /** The command line. */
  @Command(name = "dlrm-gen", sortOptions = false,
      description = "Writes a synthetic Criteo-shaped data set and a random-weight DLRM, atomically (docs/dlrm.md)",
      footer = "Writes DIR/data (columns id, dense array<float>, sparse array<array<int>>) and DIR/model (.npy "
          + "files), each beside its place first and renamed in when both are complete.")
  static final class Options implements Cli.Checked {
    @Mixin StandardOptions standard;

    @Option(names = "--output", required = true, paramLabel = "<dir>", description = "writes <dir>/data and <dir>/model")
    String output;

    @Option(names = "--rows", paramLabel = "<N>", description = "rows to generate (default: ${DEFAULT-VALUE})")
    long rows = 100_000;

    @Option(names = "--format", paramLabel = "jsonl|parquet", converter = DataFormatConverter.class,
        description = "data format (default: parquet)")
    DataFormat format = DataFormat.PARQUET;

    @Option(names = "--max-table-rows", paramLabel = "<N>",
        description = "cap on each table's rows (Criteo Kaggle sizes otherwise) (default: ${DEFAULT-VALUE})")
    long maxTableRows = 100_000;

    @Option(names = "--dim", paramLabel = "<D>", description = "embedding dimension (default: ${DEFAULT-VALUE})")
    int dim = 16;

    @Option(names = "--bottom", paramLabel = "<a-b-...>",
        description = "bottom MLP hidden sizes; input 13, output --dim (default: ${DEFAULT-VALUE})")
    String bottom = "512-256-64";

    @Option(names = "--top", paramLabel = "<a-b-...>", description = "top MLP hidden sizes; output 1 (default: ${DEFAULT-VALUE})")
    String top = "512-256";

    @Option(names = "--bag-size", paramLabel = "<K>", description = "ids per sparse feature (default: ${DEFAULT-VALUE})")
    int bagSize = 1;

    @Option(names = "--partitions", paramLabel = "<P>", description = "output partitions (default: ${DEFAULT-VALUE})")
    int partitions = 2;

    @Option(names = "--seed", paramLabel = "<S>", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--no-model", description = "write the data only, no model")
    boolean noModel;

    @Option(names = "--overwrite", description = "replace existing outputs, once the new ones are complete")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    int[] bottomHidden;
    int[] topHidden;
    int[] tables;

    @Override
    public void check() {
      if (rows < 1) {
        throw new IllegalArgumentException("--rows must be >= 1, got " + rows);
      }
      if (maxTableRows < 1) {
        throw new IllegalArgumentException("--max-table-rows must be >= 1, got " + maxTableRows);
      }
      if (dim < 1 || bagSize < 1 || partitions < 1) {
        throw new IllegalArgumentException("--dim, --bag-size and --partitions must be >= 1");
      }
      tables = SyntheticCriteo.tableRows(maxTableRows);
      bottomHidden = SyntheticCriteo.parseSizes("--bottom", bottom);
      topHidden = SyntheticCriteo.parseSizes("--top", top);
    }
  }

  /** A fresh declaration of the job's command line (for {@code docs/cli.md}). */
  public static Object cliOptions() {
    return new Options();
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, o -> {
      SparkSession spark = SparkSession.builder().config(JobConf.base(o.master, "dlrm-gen")).getOrCreate();
      try {
        run(spark, o);
      } finally {
        spark.stop();
      }
    });
  }

  /**
   * Runs the generator with the same flags as the command line inside an existing session, which stays
   * running (for notebooks and spark-shell): e.g. {@code generate(spark, "--output", dir, "--rows", "2000")}.
   */
  public static void generate(SparkSession spark, String... args) {
    run(spark, Cli.parse(new Options(), args));
  }

  static void run(SparkSession spark, String... args) {
    generate(spark, args);
  }

  static void run(SparkSession spark, Options o) {
    String out = o.output;
    int[] tables = o.tables;
    boolean overwrite = o.overwrite;
    boolean withModel = !o.noModel;
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Path dataPath = new Path(out, "data");
    Path modelPath = new Path(out, "model");
    try {
      // Staging checks each output (stage() runs checkOutput) before any work; both are written beside their
      // targets and renamed in at the end: a failed or killed run leaves the previous data and model (or nothing).
      HadoopIO.Staged data = HadoopIO.stage(dataPath, hadoop, overwrite);
      HadoopIO.Staged staged = withModel ? HadoopIO.stage(modelPath, hadoop, overwrite) : null;
      try {
        long t0 = System.nanoTime();
        Dataset<Row> rowsDs = spark.range(0, o.rows, 1, o.partitions)
            .mapPartitions(new SyntheticCriteo.RowGenerator(tables, o.bagSize, o.seed), Encoders.row(SyntheticCriteo.SCHEMA));
        var writer = rowsDs.write().mode(SaveMode.ErrorIfExists);
        if (o.format == DataFormat.JSONL) {
          writer.json(data.path().toString());
        } else {
          writer.parquet(data.path().toString());
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String described = null;
        if (withModel) {
          int n = tables.length;
          int[] bottom = concat(new int[] {SyntheticCriteo.DENSE}, o.bottomHidden, new int[] {o.dim});
          int[] top = concat(new int[] {o.dim + (n + 1) * n / 2}, o.topHidden, new int[] {1});
          Map<String, Tensor> model = SyntheticCriteo.randomModel(tables, o.dim, bottom, top, o.seed);
          described = DlrmNetwork.fromStateDict("generated", model, Interaction.DOT, false).describe();
          ModelFiles.writeNpyDirectory(staged.path().toString(), model, hadoop, false);
        }
        data.commit();
        System.out.printf("dlrm-gen: wrote %d rows (%s) to %s in %.1f s%n", o.rows, o.format, dataPath, secs);
        if (withModel) {
          staged.commit();
          System.out.printf("dlrm-gen: wrote model %s (%s) to %s%n", "random", described, modelPath);
        }
      } finally {
        data.abort();
        if (staged != null) {
          staged.abort();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("dlrm-gen --output " + out + ": " + e.getMessage(), e);
    }
  }

  private static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
  }
}
