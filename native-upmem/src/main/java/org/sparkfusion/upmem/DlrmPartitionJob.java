package org.sparkfusion.upmem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

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

  public static void main(String[] args) throws IOException {
    try {
      System.out.print(run(args));
    } catch (IllegalArgumentException e) {
      System.err.println("dlrm-partition: " + e.getMessage());
      System.exit(2);
    }
  }

  static final String USAGE = "usage: dlrm-partition (--model PATH | --tables ROWSxDIM,...) --trace zipf:S|FILE "
      + "--dpus N --strategy uniform|column|balanced|cache-aware [--json OUT] [--batches 20] [--batch-size 128] "
      + "[--pooling 8] [--profile-batches 4] [--seed 1] [--cache-rows 256] [--column-groups 2] [--tasklets 16]";

  /** Runs the job and returns what it prints. */
  static String run(String[] args) throws IOException {
    Map<String, String> a = parse(args);
    TableShapes shapes;
    if (a.containsKey("model") == a.containsKey("tables")) {
      throw new IllegalArgumentException("give exactly one of --model and --tables\n" + USAGE);
    }
    shapes = a.containsKey("model") ? modelShapes(a.get("model")) : TableShapes.parse(a.get("tables"));
    String traceSpec = required(a, "trace");
    int dpus = intFlag(a, "dpus", -1);
    if (dpus < 1) {
      throw new IllegalArgumentException("--dpus must be a positive number\n" + USAGE);
    }
    Strategy strategy = Strategy.parse(required(a, "strategy"));
    int batches = intFlag(a, "batches", 20);
    int batchSize = intFlag(a, "batch-size", 128);
    int pooling = intFlag(a, "pooling", 8);
    int profileBatches = intFlag(a, "profile-batches", 4);
    long seed = intFlag(a, "seed", 1);
    Trace trace;
    if (traceSpec.startsWith("zipf:")) {
      double s;
      try {
        s = Double.parseDouble(traceSpec.substring(5));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--trace " + traceSpec + ": expected zipf:<exponent>, e.g. zipf:1.05");
      }
      trace = Trace.zipf(shapes, s, batches, batchSize, pooling, seed);
    } else {
      Path file = Paths.get(traceSpec);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--trace " + traceSpec + ": neither zipf:S nor a readable file");
      }
      trace = Trace.read(file, shapes, batchSize);
    }
    PartitionStudy study = new PartitionStudy(shapes, trace, profileBatches);
    study.cacheRowsPerDpu = intFlag(a, "cache-rows", 256);
    study.columnGroups = intFlag(a, "column-groups", 2);
    study.tasklets = intFlag(a, "tasklets", 16);
    LoadReport report = study.evaluate(study.place(strategy, dpus));
    String text = String.format(Locale.ROOT, "%s; trace %s (%d profiling + %d evaluated batches)%n", shapes,
        traceSpec, profileBatches, trace.batches.size() - profileBatches) + report.text();
    if (a.containsKey("json")) {
      org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(a.get("json"));
      byte[] json = (report.json() + "\n").getBytes(StandardCharsets.UTF_8);
      org.sparkfusion.common.io.HadoopIO.writeFileAtomically(out, new org.apache.hadoop.conf.Configuration(), true,
          o -> o.write(json));
      text += "wrote " + a.get("json") + "\n";
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

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null) {
      throw new IllegalArgumentException("--" + key + " is required\n" + USAGE);
    }
    return v;
  }

  private static int intFlag(Map<String, String> a, String key, int def) {
    String v = a.get(key);
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " " + v + ": not a whole number");
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'\n" + USAGE);
      }
      a.put(args[i].substring(2), args[++i]);
    }
    return a;
  }
}
