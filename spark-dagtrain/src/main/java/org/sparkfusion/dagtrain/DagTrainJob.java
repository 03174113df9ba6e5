package org.sparkfusion.dagtrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.JobConf;
import org.sparkfusion.common.cli.ConfigOptions;
import org.sparkfusion.common.cli.StandardOptions;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/sparkfusion dagtrain}: trains a built-in model as a pipeline over Spark executors (one barrier task per
 * stage) or, with {@code --stages 1}, in this process (the reference). {@code --help} lists the flags; the
 * training settings that are also session keys ({@code spark.sparkfusion.dagtrain.*}) take their defaults from
 * {@link DagTrainConfig}.
 */
public final class DagTrainJob {

  private DagTrainJob() {}

  /** The built-in models. */
  enum ModelName {
    GPT_TINY("gpt-tiny", 8, null), GPT_SMALL("gpt-small", 4, 3e-4), RESNET_SMALL("resnet-small", 16, null);

    final String id;
    /** Micro-batch size the job uses for the model unless --micro-batch-size is given. */
    final int microBatchSize;
    /**
     * Learning rate the job uses for the model unless --lr or the session key is given; null: the key's default.
     * gpt-small's is lower because at the default (0.003) Adam overshoots in the first steps (loss 5.2 to 8.1).
     */
    final Double learningRate;

    ModelName(String id, int microBatchSize, Double learningRate) {
      this.id = id;
      this.microBatchSize = microBatchSize;
      this.learningRate = learningRate;
    }

    Graph graph() {
      return switch (this) {
        case GPT_TINY -> Models.gptTiny();
        case GPT_SMALL -> Models.gptSmall();
        case RESNET_SMALL -> Models.resnetSmall();
      };
    }

    List<Sample> samples() throws java.io.IOException {
      return switch (this) {
        case GPT_TINY -> BuiltInData.fortunes(32, 400_000);
        case GPT_SMALL -> BuiltInData.fortunes(64, 1_600_000);
        case RESNET_SMALL -> BuiltInData.fashionMnist(6000);
      };
    }

    @Override
    public String toString() {
      return id;
    }

    /** picocli: the model's id, e.g. {@code gpt-tiny}. */
    static final class Converter implements CommandLine.ITypeConverter<ModelName> {
      @Override
      public ModelName convert(String value) {
        for (ModelName m : values()) {
          if (m.id.equalsIgnoreCase(value.trim())) {
            return m;
          }
        }
        throw new CommandLine.TypeConversionException("expected gpt-tiny, gpt-small or resnet-small, got '" + value + "'");
      }
    }
  }

  /**
   * picocli: a flag's text parsed once by the domain's own {@code parse}, whose IllegalArgumentException (naming the
   * value and the allowed forms) becomes a usage error that picocli prefixes with the flag.
   */
  abstract static class Parsed<T> implements CommandLine.ITypeConverter<T> {
    private final java.util.function.Function<String, T> parse;

    Parsed(java.util.function.Function<String, T> parse) {
      this.parse = parse;
    }

    @Override
    public T convert(String value) {
      try {
        return parse.apply(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class CompressionConverter extends Parsed<Compression> {
    CompressionConverter() {
      super(Compression::parse);
    }
  }

  static final class PlannerConverter extends Parsed<PlannerChoice> {
    PlannerConverter() {
      super(PlannerChoice::parse);
    }
  }

  @Command(name = "dagtrain", sortOptions = false,
      description = "operator-DAG pipeline training across executors (docs/dagtrain.md)")
  static final class Options implements Cli.WithConfig, Cli.Checked {
    @Mixin StandardOptions standard;

    @Option(names = "--model", required = true, paramLabel = "gpt-tiny|gpt-small|resnet-small", converter = ModelName.Converter.class,
        description = "the model to train: gpt-tiny (34k parameters) or gpt-small (10.7M, --lr 0.0003 unless given) on"
            + " fortunes, resnet-small on Fashion-MNIST")
    ModelName model;

    @Option(names = "--stages", required = true, paramLabel = "<N>",
        description = "number of pipeline stages (training tasks); 1 trains in this process")
    int stages;

    @Option(names = "--steps", required = true, paramLabel = "<S>",
        description = "training steps (the limit when --target-loss or --max-seconds stops earlier)")
    int steps;

    @Option(names = "--target-loss", paramLabel = "<L>",
        description = "stop once the mean loss of the last 5 steps is at or below L")
    Double targetLoss;

    @Option(names = "--max-seconds", paramLabel = "<T>",
        description = "stop after the first step that ends T seconds into training")
    Double maxSeconds;

    @Option(names = "--compression", paramLabel = "none|topk:F|randomk:F|int8|adatopk", defaultValue = "none",
        converter = CompressionConverter.class,
        description = "compression of activations and gradients between stages (default: ${DEFAULT-VALUE})")
    Compression compression;

    @Option(names = "--planner", paramLabel = "opfence|even", defaultValue = "opfence",
        converter = PlannerConverter.class, description = "how the DAG is cut into stages (default: ${DEFAULT-VALUE})")
    PlannerChoice planner;

    @Option(names = "--seed", paramLabel = "<S>", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--micro-batch-size", paramLabel = "<B>",
        description = "samples per micro-batch (default: 8 for gpt-tiny, 4 for gpt-small, 16 for resnet-small)")
    Integer microBatchSize;

    @Option(names = "--json", paramLabel = "<file>", description = "also write the training report as JSON (atomically)")
    String json;

    @Option(names = "--save-model", paramLabel = "<path>",
        description = "save the trained model (DagTrainModel: Spark ML metadata, graph, weights as .npy, history) to"
            + " this Hadoop path, atomically; it must not exist")
    String saveModel;

    @Option(names = "--export-npy", paramLabel = "<dir>",
        description = "write every trained parameter as <node>.<parameter>.npy with an index.json; it must not exist")
    String exportNpy;

    @Option(names = "--plan-png", paramLabel = "<file>", description = "draw the plan's pipeline schedule as a PNG")
    String planPng;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--conf", paramLabel = "<key=value>",
        description = "a Spark or spark.sparkfusion.* setting (repeatable); also for --stages 1, which starts no Spark")
    List<String> conf = new ArrayList<>();

    final ConfigOptions training = ConfigOptions.builder()
        .entry(DagTrainConfig.MICRO_BATCHES, "--micro-batches")
        .entry(DagTrainConfig.LEARNING_RATE, "--lr", "--learning-rate")
        .entry(DagTrainConfig.OPTIMIZER, "--optimizer")
        .entry(DagTrainConfig.SCHEDULE, "--schedule")
        .build();

    @Override
    public List<ConfigOptions> configOptions() {
      return List.of(training);
    }

    @Override
    public void check() {
      if (steps < 1) {
        throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
      }
      if (targetLoss != null && !Double.isFinite(targetLoss)) {
        throw new IllegalArgumentException("--target-loss must be a finite number, got " + targetLoss);
      }
      if (maxSeconds != null && !(maxSeconds > 0 && Double.isFinite(maxSeconds))) {
        throw new IllegalArgumentException("--max-seconds must be a positive number of seconds, got " + maxSeconds);
      }
      if (microBatchSize != null && microBatchSize < 1) {
        throw new IllegalArgumentException("--micro-batch-size must be at least 1, got " + microBatchSize);
      }
      sparkConf();
      try {
        trainer(model.graph());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(flagFor(e.getMessage()) + e.getMessage(), e);
      }
    }

    private static String flagFor(String message) {
      String m = message.toLowerCase(java.util.Locale.ROOT);
      for (String f : List.of("stages", "micro-batch", "schedule")) {
        if (m.contains(f)) {
          return "--" + f.replace("micro-batch", "micro-batch-size") + ": ";
        }
      }
      return "";
    }

    /** The trainer these flags describe. */
    DagTrainer trainer(Graph graph) {
      DagTrainer trainer = new DagTrainer(graph).name(model.id).stages(stages).steps(steps).seed(seed)
          .compression(compression).planner(planner)
          .microBatchSize(microBatchSize != null ? microBatchSize : model.microBatchSize);
      if (targetLoss != null) {
        trainer.targetLoss(targetLoss);
      }
      if (maxSeconds != null) {
        trainer.maxSeconds(maxSeconds);
      }
      Integer microBatches = training.given(DagTrainConfig.MICRO_BATCHES);
      if (microBatches != null) {
        trainer.microBatches(microBatches);
      }
      String schedule = training.given(DagTrainConfig.SCHEDULE);
      if (schedule != null) {
        trainer.schedule(schedule);
      }
      Double lr = training.given(DagTrainConfig.LEARNING_RATE);
      if (lr == null && model.learningRate != null && !sparkConf().contains(DagTrainConfig.LEARNING_RATE.key())) {
        lr = model.learningRate;
      }
      if (lr != null) {
        trainer.learningRate(lr);
      }
      String optimizer = training.given(DagTrainConfig.OPTIMIZER);
      if (optimizer != null) {
        trainer.optimizer(optimizer);
      }
      return trainer;
    }

    /** Spark's configuration: spark-submit's, then --master and every --conf. */
    SparkConf sparkConf() {
      SparkConf c = JobConf.base(master, "sparkfusion-dagtrain");
      c.setIfMissing("spark.ui.showConsoleProgress", "false");
      for (String kv : conf) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--conf expects key=value, got '" + kv + "'");
        }
        c.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
      return c;
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

  public static void main(String[] args) {
    Cli.main(new Options(), args, o -> System.out.println(run(o)));
  }

  static TrainingReport run(Options o) throws Exception {
    Graph graph = o.model.graph();
    System.out.println("dagtrain: " + o.model + ", " + graph.size() + " ops, " + graph.parameterCount() + " parameters");
    List<Sample> samples = o.model.samples();
    System.out.println("dagtrain: " + samples.size() + " training samples");
    DagTrainer trainer = o.trainer(graph);
    SparkConf conf = o.sparkConf();
    // outputs are checked before any work: an existing path fails now, not after training
    String[][] outputs = {{"--save-model", o.saveModel}, {"--export-npy", o.exportNpy}};
    for (String[] out : outputs) {
      if (out[1] != null && HadoopIO.fileSystem(new Path(out[1]), new Configuration()).exists(new Path(out[1]))) {
        throw new IllegalArgumentException(out[0] + ": " + out[1] + " already exists");
      }
    }
    TrainingReport report;
    SparkSession spark = null;
    try {
      DagTrainModel model;
      if (o.stages == 1) {
        // The reference: one process, no Spark needed (settings from --conf / defaults).
        TrainingSpec spec = trainer.spec(conf, 1);
        model = trainer.fitInProcess(samples, spec);
      } else {
        spark = SparkSession.builder().config(conf).getOrCreate();
        SparkFusionKryoRegistrator.requireRegisteredIfKryo(spark.sparkContext().getConf());
        model = trainer.fit(toDataFrame(spark, graph, samples));
      }
      report = model.summary();
      if (o.saveModel != null || o.exportNpy != null) {
        if (spark == null) {
          // Spark ML's metadata writer needs a session; the in-process reference starts one only to save
          spark = SparkSession.builder().config(conf).getOrCreate();
        }
        if (o.saveModel != null) {
          model.write().save(o.saveModel);
          System.out.println("dagtrain: saved the model to " + o.saveModel);
        }
        if (o.exportNpy != null) {
          model.exportNpy(o.exportNpy);
          System.out.println("dagtrain: wrote " + model.parameterNames().size() + " parameters as .npy to " + o.exportNpy);
        }
      }
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
    printReport(report);
    if (o.json != null) {
      HadoopIO.writeFileAtomically(new Path(o.json), new Configuration(), true,
          out -> out.write(report.toJson().getBytes(StandardCharsets.UTF_8)));
      System.out.println("dagtrain: wrote " + o.json);
    }
    if (o.planPng != null && !report.planJson().isEmpty()) {
      // the plan records the schedule it was made for
      Plan.fromJson(report.planJson(), graph).writeSchedulePng(java.nio.file.Path.of(o.planPng));
      System.out.println("dagtrain: wrote " + o.planPng);
    }
    return report;
  }

  static Dataset<Row> toDataFrame(SparkSession spark, Graph graph, List<Sample> samples) {
    List<Row> rows = new ArrayList<>(samples.size());
    for (Sample s : samples) {
      Object[] cols = new Object[s.values.length];
      for (int i = 0; i < cols.length; i++) {
        cols[i] = scala.collection.immutable.ArraySeq.unsafeWrapArray(s.values[i]);
      }
      rows.add(RowFactory.create(cols));
    }
    return spark.createDataFrame(rows, DagTrainer.schemaFor(graph));
  }

  static void printReport(TrainingReport r) throws Exception {
    if (!r.planJson().isEmpty()) {
      System.out.println(Plan.fromJsonForDisplay(r.planJson()));
    }
    for (int i = 0; i < r.losses().size(); i++) {
      System.out.printf("step %d loss %.4f at %.2f s%n", r.startStep() + i, r.losses().get(i), r.elapsedSeconds().get(i));
    }
    for (TrainingReport.Link l : r.links()) {
      System.out.printf("link %s -> %s: %d bytes, kept fraction %.3f%n", l.from(), l.to(), l.bytes(), l.keptFraction());
    }
    System.out.printf("dagtrain: %d stage(s), %d steps%s, final loss %.4f, %.1f s, %.1f samples/s%n", r.stages(),
        r.losses().size(), switch (r.stopReason()) {
          case "target" -> " (stopped: target loss reached)";
          case "budget" -> " (stopped: --max-seconds reached)";
          default -> "";
        }, r.finalLoss(), r.seconds(), r.throughput());
  }
}
