package org.sparkfusion.upmem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.StandardOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sparkfusion dlrm-partition}: partitions a model's embedding tables over N DPUs with one strategy,
 * replays a lookup trace and prints the per-DPU load report and the MODELED batch latency on UPMEM hardware
 * (optionally as JSON). Runs without Spark.
 *
 * <pre>
 * dlrm-partition (--model PATH | --tables ROWSxDIM,...) --trace zipf:S|FILE --dpus N
 *                --strategy uniform|column|balanced|cache-aware [--json OUT]
 *                [--batches 20] [--batch-size 128] [--pooling 8] [--profile-batches 4] [--seed 1]
 *                [--cache-rows 256] [--column-groups 2] [--tasklets 16]
 * </pre>
 */
public final class DlrmPartitionJob {

  private DlrmPartitionJob() {}

  @Command(name = "dlrm-partition", sortOptions = false,
      description = "UPMEM table partitioning report and modeled latency (docs/upmem.md); runs without Spark")
  static final class Options implements Cli.Checked {
    @Mixin StandardOptions standard;

    @Option(names = "--model", paramLabel = "<path>",
        description = "a DLRM checkpoint or .npy directory whose tables to partition (or --tables)")
    String model;

    @Option(names = "--tables", paramLabel = "<ROWSxDIM,...>", description = "table shapes, e.g. 1000000x16,200000x16 (or --model)")
    String tables;

    @Option(names = "--trace", required = true, paramLabel = "zipf:<S>|<file>",
        description = "lookups to replay: synthetic Zipf ids with exponent S > 0, or a TSV file (one column per table)")
    String trace;

    @Option(names = "--dpus", paramLabel = "<N>", description = "number of DPUs, >= 1 (required)")
    int dpus;

    @Option(names = "--strategy", required = true, paramLabel = "uniform|column|balanced|cache-aware",
        converter = StrategyConverter.class, description = "how rows are placed on DPUs")
    Strategy strategy;

    @Option(names = "--json", paramLabel = "<file>", description = "also write the report as JSON (atomically)")
    String json;

    @Option(names = "--batches", paramLabel = "<N>", description = "synthetic batches (default: ${DEFAULT-VALUE})")
    int batches = 20;

    @Option(names = "--batch-size", paramLabel = "<N>", description = "rows per batch (default: ${DEFAULT-VALUE})")
    int batchSize = 128;

    @Option(names = "--pooling", paramLabel = "<N>", description = "lookups per row and table (default: ${DEFAULT-VALUE})")
    int pooling = 8;

    @Option(names = "--profile-batches", paramLabel = "<N>",
        description = "batches used to profile the access pattern, not evaluated (default: ${DEFAULT-VALUE})")
    int profileBatches = 4;

    @Option(names = "--seed", paramLabel = "<S>", description = "seed of the synthetic trace (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--cache-rows", paramLabel = "<N>", description = "hot rows cached per DPU (default: ${DEFAULT-VALUE})")
    int cacheRows = 256;

    @Option(names = "--column-groups", paramLabel = "<N>", description = "column groups (default: ${DEFAULT-VALUE})")
    int columnGroups = 2;

    @Option(names = "--tasklets", paramLabel = "<N>", description = "tasklets per DPU (default: ${DEFAULT-VALUE})")
    int tasklets = 16;

    @Override
    public void check() {
      if ((model == null) == (tables == null)) {
        throw new IllegalArgumentException("give exactly one of --model and --tables");
      }
      if (dpus < 1) {
        throw new IllegalArgumentException("--dpus must be a positive number, got " + dpus);
      }
      for (int v : new int[] {batches, batchSize, pooling, cacheRows, columnGroups, tasklets}) {
        if (v < 1) {
          throw new IllegalArgumentException("--batches, --batch-size, --pooling, --cache-rows, --column-groups and "
              + "--tasklets must be >= 1");
        }
      }
      if (profileBatches < 0) {
        throw new IllegalArgumentException("--profile-batches must be >= 0, got " + profileBatches);
      }
      if (trace.startsWith("zipf:")) {
        zipfExponent(trace);
      }
    }
  }

  /** picocli: a strategy by its id. */
  static final class StrategyConverter implements CommandLine.ITypeConverter<Strategy> {
    @Override
    public Strategy convert(String value) {
      try {
        return Strategy.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** The exponent of {@code zipf:S}: finite and > 0. */
  static double zipfExponent(String spec) {
    double s;
    try {
      s = Double.parseDouble(spec.substring(5));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--trace " + spec + ": expected zipf:<exponent>, e.g. zipf:1.05");
    }
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException("--trace " + spec + ": the Zipf exponent must be a finite number > 0");
    }
    return s;
  }

  /** A fresh declaration of the job's command line (for {@code docs/cli.md}). */
  public static Object cliOptions() {
    return new Options();
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, o -> System.out.print(run(o)));
  }

  /** Runs the job and returns what it prints (usage errors as IllegalArgumentException). */
  static String run(String[] args) throws IOException {
    return run(Cli.parse(new Options(), args));
  }

  static String run(Options o) throws IOException {
    TableShapes shapes = o.model != null ? modelShapes(o.model) : TableShapes.parse(o.tables);
    Trace trace;
    if (o.trace.startsWith("zipf:")) {
      trace = Trace.zipf(shapes, zipfExponent(o.trace), o.batches, o.batchSize, o.pooling, o.seed);
    } else {
      Path file = Paths.get(o.trace);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--trace " + o.trace + ": neither zipf:S nor a readable file");
      }
      trace = Trace.read(file, shapes, o.batchSize);
    }
    PartitionStudy study = new PartitionStudy(shapes, trace, o.profileBatches);
    study.cacheRowsPerDpu = o.cacheRows;
    study.columnGroups = o.columnGroups;
    study.tasklets = o.tasklets;
    LoadReport report = study.evaluate(study.place(o.strategy, o.dpus));
    String text = String.format(Locale.ROOT, "%s; trace %s (%d profiling + %d evaluated batches)%n", shapes,
        o.trace, o.profileBatches, trace.batches.size() - o.profileBatches) + report.text();
    if (o.json != null) {
      org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(o.json);
      byte[] json = (report.json() + "\n").getBytes(StandardCharsets.UTF_8);
      org.sparkfusion.common.io.HadoopIO.writeFileAtomically(out, new org.apache.hadoop.conf.Configuration(), true,
          w -> w.write(json));
      text += "wrote " + o.json + "\n";
    }
    return text;
  }

  /** Table shapes of a DLRM model (torch.save checkpoint or .npy directory) through the DLRM module's loader. */
  static TableShapes modelShapes(String path) {
    java.util.Map<String, org.sparkfusion.dlrm.checkpoint.Tensor> stateDict =
        org.sparkfusion.dlrm.checkpoint.ModelFiles.read(path, new org.apache.hadoop.conf.Configuration());
    org.sparkfusion.dlrm.core.DlrmNetwork network = org.sparkfusion.dlrm.core.DlrmNetwork.fromStateDict(path,
        stateDict, org.sparkfusion.dlrm.core.Interaction.DOT, false);
    return TableShapes.of(network.tables());
  }
}
