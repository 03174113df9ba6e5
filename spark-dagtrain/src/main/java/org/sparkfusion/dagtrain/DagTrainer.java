package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dagtrain.transport.ConnectionAuth;
import scala.reflect.ClassTag$;

/**
 * Trains a {@link Graph} as a pipeline. Training data is a DataFrame with one column per graph input, named
 * after it, holding the sample's flattened values (an array of numbers, or a number for scalar inputs); see
 * {@link #schemaFor(Graph)}. {@link #fit(Dataset)} runs one Spark barrier task per stage ({@link #stages(int)}
 * tasks; the cluster needs that many free task slots), measures links and op times, plans and trains;
 * {@link #fitInProcess(Dataset)} runs the same stages as threads of this JVM. Unset settings come from the
 * session's {@code spark.sparkfusion.dagtrain.*} configuration ({@link DagTrainConfig}).
 */
public final class DagTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DagTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Graph graph;
  private String name = "custom";
  private int steps = 20;
  private int stages = 2;
  private long seed = 1;
  private Compression compression = new Compression.None();
  private PlannerChoice planner = PlannerChoice.OPFENCE;
  private Integer microBatches;
  private Integer microBatchSize;
  private String optimizer;
  private Double learningRate;
  private Schedule schedule;

  public DagTrainer(Graph graph) {
    this.graph = graph;
  }

  /** Name reported as "model". */
  public DagTrainer name(String n) {
    this.name = n;
    return this;
  }

  /**
   * Even split only (benchmarks): place stage i on the executor at {@code hosts[i]} instead of on task i, so a
   * baseline's placement can be fixed rather than left to the order in which Spark hands out barrier tasks. Listing
   * fewer hosts than tasks makes that many even stages; the tasks on the other hosts stay idle.
   */
  DagTrainer evenHosts(String... hosts) {
    this.evenHosts = String.join(",", hosts);
    return this;
  }

  private String evenHosts = "";

  public DagTrainer steps(int s) {
    this.steps = s;
    return this;
  }

  /** Number of training tasks (executors) and at most that many stages; 1 trains in one process. */
  public DagTrainer stages(int s) {
    if (s < 1) {
      throw new IllegalArgumentException("stages must be at least 1, got " + s);
    }
    this.stages = s;
    return this;
  }

  public DagTrainer seed(long s) {
    this.seed = s;
    return this;
  }

  /** none, topk:F, randomk:F, int8 or adatopk; parsed here, so a bad value fails before anything runs. */
  public DagTrainer compression(String c) {
    this.compression = Compression.parse(c);
    return this;
  }

  DagTrainer compression(Compression c) {
    this.compression = java.util.Objects.requireNonNull(c, "compression");
    return this;
  }

  /** opfence (default) or even. */
  public DagTrainer planner(String p) {
    this.planner = PlannerChoice.parse(p);
    return this;
  }

  DagTrainer planner(PlannerChoice p) {
    this.planner = java.util.Objects.requireNonNull(p, "planner");
    return this;
  }

  public DagTrainer microBatches(int m) {
    this.microBatches = m;
    return this;
  }

  public DagTrainer microBatchSize(int b) {
    this.microBatchSize = b;
    return this;
  }

  public DagTrainer optimizer(String o) {
    this.optimizer = o;
    return this;
  }

  /** gpipe or 1f1b (default: {@code spark.sparkfusion.dagtrain.schedule}). */
  public DagTrainer schedule(String s) {
    this.schedule = Schedule.parse(s);
    return this;
  }

  DagTrainer schedule(Schedule s) {
    this.schedule = java.util.Objects.requireNonNull(s, "schedule");
    return this;
  }

  public DagTrainer learningRate(double lr) {
    this.learningRate = lr;
    return this;
  }

  /** The DataFrame schema training data must have: one float array column per graph input. */
  public static StructType schemaFor(Graph graph) {
    List<StructField> fields = new ArrayList<>();
    for (String in : graph.inputNames()) {
      fields.add(DataTypes.createStructField(in, DataTypes.createArrayType(DataTypes.FloatType, false), false));
    }
    return DataTypes.createStructType(fields);
  }

  TrainingSpec spec(SparkSession spark, int tasks) {
    TrainingSpec s = spec(spark.conf().getAll(), tasks);
    for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
      s.hadoopConf.put(e.getKey(), e.getValue());
    }
    return s;
  }

  TrainingSpec spec(org.apache.spark.SparkConf conf, int tasks) {
    Map<String, String> m = new java.util.HashMap<>();
    for (scala.Tuple2<String, String> t : conf.getAll()) {
      m.put(t._1(), t._2());
    }
    return spec(scala.jdk.javaapi.CollectionConverters.asScala(m).toMap(scala.$less$colon$less$.MODULE$.refl()), tasks);
  }

  TrainingSpec spec(scala.collection.immutable.Map<String, String> all, int tasks) {
    Map<String, String> c = scala.jdk.javaapi.CollectionConverters.asJava(all);
    TrainingSpec s = new TrainingSpec();
    s.graphJson = graph.toJson();
    s.steps = steps;
    s.microBatches = microBatches != null ? microBatches : DagTrainConfig.MICRO_BATCHES.get(c);
    s.microBatchSize = microBatchSize != null ? microBatchSize : DagTrainConfig.MICRO_BATCH_SIZE.get(c);
    // the session key is checked by its ConfigEntry and turned into the type once, here
    s.schedule = schedule != null ? schedule : Schedule.parse(DagTrainConfig.SCHEDULE.get(c));
    s.optimizer = optimizer != null ? optimizer : DagTrainConfig.OPTIMIZER.get(c);
    s.learningRate = learningRate != null ? learningRate : DagTrainConfig.LEARNING_RATE.get(c);
    s.seed = seed;
    s.compression = compression;
    s.planner = planner;
    s.tasks = tasks;
    s.minStages = DagTrainConfig.MIN_STAGES.get(c);
    s.evenHosts = evenHosts;
    s.minFraction = DagTrainConfig.MIN_FRACTION.get(c);
    s.errorFeedback = DagTrainConfig.ERROR_FEEDBACK.get(c);
    s.checkpointDir = DagTrainConfig.CHECKPOINT_DIR.get(c);
    s.checkpointEvery = DagTrainConfig.CHECKPOINT_EVERY.get(c);
    s.peerTimeoutMillis = DagTrainConfig.PEER_TIMEOUT_MS.get(c);
    s.linkRates = DagTrainConfig.LINK_RATES.get(c);
    s.maxMessageMb = DagTrainConfig.MAX_MESSAGE_MB.get(c);
    s.probeKb = DagTrainConfig.PROBE_KB.get(c);
    s.warmUpSeconds = DagTrainConfig.WARM_UP_SECONDS.get(c);
    s.memoryBudgetMb = DagTrainConfig.MEMORY_BUDGET_MB.get(c);
    s.failAtStep = DagTrainConfig.FAIL_AT_STEP.get(c);
    s.failStage = DagTrainConfig.FAIL_STAGE.get(c);
    LinkRates.parse(s.linkRates, tasks);
    s.options();
    return s;
  }

  /**
   * Trains on the cluster: one barrier task per stage, data sent to the first task, links measured and the
   * plan made at start, parameters checkpointed when {@code spark.sparkfusion.dagtrain.checkpoint.dir} is set
   * (a retried barrier stage resumes from the latest complete checkpoint).
   */
  public TrainingReport fit(Dataset<Row> data) {
    SparkSession spark = data.sparkSession();
    checkCapacity(spark.sparkContext());
    TrainingSpec spec = spec(spark, stages);
    checkMemory(spec);
    // a fresh secret per run: the tasks' connections to each other must prove they hold it (ConnectionAuth)
    spec.connectionSecret = ConnectionAuth.newSecret();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobDescription("dagtrain " + name + ": read training data and send it to the first stage");
    JavaRDD<Sample> samples = data.toJavaRDD().map(new RowToSample(graph)).zipWithIndex().mapToPair(new KeyedByZero())
        .partitionBy(new AllToFirstPartition(stages)).values();
    jsc.setJobDescription("dagtrain " + name + ": measure links, plan and train " + steps + " steps on " + stages
        + " barrier tasks (" + planner.label + ", " + compression.label() + ")");
    long start = System.nanoTime();
    // The shuffle after the barrier stage makes it a ShuffleMapStage, which Spark retries as a whole after a
    // task failure (a barrier ResultStage would not be retried); the retry resumes from the checkpoint.
    List<String> results = new JavaRDD<String>(samples.rdd().barrier()
        .mapPartitions(new BarrierTrainTask(spec), false, ClassTag$.MODULE$.apply(String.class)),
        ClassTag$.MODULE$.apply(String.class)).repartition(1).collect();
    jsc.setJobDescription(null);
    double wall = (System.nanoTime() - start) / 1e9;
    return assemble(spec, results, wall);
  }

  /** How long {@link #checkCapacity} waits for executors to register when the configuration does not say. */
  static final long REGISTRATION_WAIT_MILLIS = 30_000;

  /**
   * Fails at once, naming the setting, if the model has fewer ops than {@code stages} or the cluster fewer task slots
   * (Spark would otherwise retry the barrier stage for about 10 minutes). Slots come from the configuration when it
   * tells ({@link StageCapacity#configuredSlots}); otherwise from the executors registered, waited for up to
   * {@link #REGISTRATION_WAIT_MILLIS}.
   */
  void checkCapacity(org.apache.spark.SparkContext sc) {
    StageCapacity.checkOps(graph, name, stages);
    Map<String, String> conf = new java.util.HashMap<>();
    for (scala.Tuple2<String, String> t : sc.getConf().getAll()) {
      conf.put(t._1(), t._2());
    }
    java.util.OptionalInt configured = StageCapacity.configuredSlots(sc.master(), conf);
    if (configured.isPresent()) {
      StageCapacity.checkSlots(stages, configured.getAsInt(), StageCapacity.slotSource(sc.master()));
      return;
    }
    long deadline = System.nanoTime() + REGISTRATION_WAIT_MILLIS * 1_000_000;
    int live = liveSlots(sc);
    while (live < stages && System.nanoTime() < deadline) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for executors to register", e);
      }
      live = liveSlots(sc);
    }
    StageCapacity.checkSlots(stages, live, "registered executors x spark.executor.cores / spark.task.cpus after "
        + REGISTRATION_WAIT_MILLIS / 1000 + " s; set spark.executor.instances and spark.executor.cores to check"
        + " without waiting");
  }

  /** Barrier tasks the registered executors can run at once (what Spark's own barrier check counts). */
  private static int liveSlots(org.apache.spark.SparkContext sc) {
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
  }

  private void checkMemory(TrainingSpec spec) {
    if (spec.memoryBudgetMb <= 0) {
      return;
    }
    // A necessary condition before anything starts (the planner checks every stage later): under GPipe every stage
    // holds all M micro-batches, under 1F1B each at least one.
    boolean gpipe = spec.schedule == Schedule.GPIPE;
    long need = WorkloadEstimator.stageMemoryBytes(graph, 0, graph.size(), gpipe ? spec.microBatches : 1,
        spec.microBatchSize);
    long have = (spec.memoryBudgetMb << 20) * spec.tasks;
    if (need > have) {
      throw new IllegalStateException(String.format("the model does not fit the executors: it needs %s %.1f MB"
          + " (parameters, gradients, optimizer state and %s in-flight micro-batch(es) of %d under %s), %d executors"
          + " offer %d MB each (%s); add executors or memory, or lower micro-batches", gpipe ? "about" : "at least",
          need / 1e6, gpipe ? String.valueOf(spec.microBatches) : "at least one", spec.microBatchSize,
          gpipe ? "GPipe" : "1F1B", spec.tasks, spec.memoryBudgetMb, DagTrainConfig.MEMORY_BUDGET_MB.key()));
    }
  }

  /** Mean of a per-step series without its first step (JIT and connection warm-up), or of all if only one. */
  static double warmMean(JsonNode series) {
    int n = series.size();
    if (n == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = n > 1 ? 1 : 0; i < n; i++) {
      sum += series.get(i).asDouble();
    }
    return sum / (n > 1 ? n - 1 : 1);
  }

  private TrainingReport assemble(TrainingSpec spec, List<String> results, double wall) {
    try {
      JsonNode[] r = new JsonNode[results.size()];
      for (String s : results) {
        JsonNode j = JSON.readTree(s);
        r[j.path("task").asInt()] = j;
      }
      String planJson = r[0].path("plan").asText();
      Plan plan = Plan.fromJson(planJson, graph);
      int[] execOf = plan.executorsOfStages();
      int k = execOf.length;
      JsonNode last = r[execOf[k - 1]];
      List<Double> losses = new ArrayList<>();
      last.path("losses").forEach(x -> losses.add(x.asDouble()));
      List<Double> elapsed = new ArrayList<>();
      last.path("elapsed").forEach(x -> elapsed.add(x.asDouble()));
      List<TrainingReport.Link> links = new ArrayList<>();
      for (int s = 0; s + 1 < k; s++) {
        JsonNode a = r[execOf[s]];
        JsonNode b = r[execOf[s + 1]];
        links.add(new TrainingReport.Link(a.path("host").asText() + "/task-" + execOf[s] + "/stage-" + s,
            b.path("host").asText() + "/task-" + execOf[s + 1] + "/stage-" + (s + 1), a.path("bytes_next").asLong(),
            a.path("kept_next").asDouble()));
        links.add(new TrainingReport.Link(b.path("host").asText() + "/task-" + execOf[s + 1] + "/stage-" + (s + 1),
            a.path("host").asText() + "/task-" + execOf[s] + "/stage-" + s, b.path("bytes_previous").asLong(),
            b.path("kept_previous").asDouble()));
      }
      List<TrainingReport.StageTiming> timing = new ArrayList<>();
      for (int s = 0; s < k; s++) {
        JsonNode t = r[execOf[s]].path("timing");
        Plan.StagePlan sp = plan.stages.get(s);
        timing.add(new TrainingReport.StageTiming(s, sp.executorName(), sp.seconds() * spec.microBatches,
            sp.messageSeconds() * spec.microBatches, warmMean(t.path("wall")), warmMean(t.path("compute")),
            warmMean(t.path("encode")), warmMean(t.path("decode")), warmMean(t.path("wait")),
            warmMean(t.path("thread_cpu")), warmMean(t.path("frame_decode")), t.path("wall").path(0).asDouble(Double.NaN),
            warmMean(t.path("process_cpu")), warmMean(t.path("gc")), warmMean(t.path("jit"))));
      }
      double seconds = last.path("seconds").asDouble(wall);
      double throughput = losses.size() * (double) spec.microBatches * spec.microBatchSize / Math.max(seconds, 1e-9);
      LOG.info("dagtrain {}: {} stage(s), {} steps, final loss {}, {} s, {} samples/s", name, k, losses.size(),
          losses.isEmpty() ? "n/a" : String.format("%.4f", losses.get(losses.size() - 1)), String.format("%.1f", seconds),
          String.format("%.1f", throughput));
      return new TrainingReport(name, k, spec.compression.label(), losses, elapsed, last.path("start_step").asInt(), seconds,
          throughput, links, planJson, timing);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("could not read the training tasks' results", e);
    }
  }

  /** Trains in this JVM: the stages of an OP-Fence (or even) plan as threads, linked in memory. */
  public TrainingReport fitInProcess(Dataset<Row> data) throws Exception {
    List<Sample> samples = new ArrayList<>();
    RowToSample conv = new RowToSample(graph);
    // collectAsList rather than toLocalIterator: the latter ships Spark-internal arrays that a session with
    // spark.kryo.registrationRequired=true refuses; the samples all end up in this JVM either way.
    for (Row row : data.collectAsList()) {
      samples.add(conv.call(row));
    }
    return fitInProcess(samples, spec(data.sparkSession(), stages));
  }

  TrainingReport fitInProcess(List<Sample> samples, TrainingSpec spec) throws Exception {
    StageCapacity.checkOps(graph, name, spec.tasks);
    TrainOptions o = spec.options();
    double[] times = WorkloadEstimator.calibrate(graph, o.microBatchSize(), 3, o.seed());
    double[][] rates = LinkRates.parse(spec.linkRates, spec.tasks);
    ClusterProfile cluster = ClusterProfile.uniform(spec.tasks, 1e11, 1e-5, Runtime.getRuntime().maxMemory() / 2);
    for (int i = 0; i < spec.tasks; i++) {
      for (int j = i + 1; j < spec.tasks; j++) {
        if (rates[i][j] > 0) {
          cluster = cluster.withLink(i, j, rates[i][j] * 8, 1e-5);
        }
      }
    }
    CostModel m = new CostModel(graph, cluster, times, o.microBatches(), o.microBatchSize(), spec.compression,
        spec.minFraction, o.schedule());
    Plan plan = spec.tasks == 1 || spec.planner == PlannerChoice.EVEN ? Planner.even(m, spec.tasks)
        : Planner.opFence(m, Math.min(spec.minStages, spec.tasks), spec.tasks, 0);
    LOG.info("dagtrain in-process plan:\n{}", plan.explain());
    int[] b = plan.boundaries();
    int[] ex = plan.executorsOfStages();
    List<LinkCompression> lcs = new ArrayList<>();
    double[] linkRates = new double[Math.max(0, ex.length - 1)];
    for (int s = 0; s + 1 < ex.length; s++) {
      Plan.LinkPlan l = plan.links.get(s);
      lcs.add(LinkCompression.forLink(spec.compression, l.activationFraction(), spec.errorFeedback));
      linkRates[s] = rates[ex[s]][ex[s + 1]];
    }
    TrainResult r = InProcessPipeline.train(graph, b, o.withSteps(spec.steps),
        new SampleSource(graph, samples, o.microBatchSize(), o.seed()), lcs, linkRates);
    List<TrainingReport.Link> links = new ArrayList<>();
    for (LinkStat l : r.links()) {
      links.add(new TrainingReport.Link(l.fromExecutor(), l.toExecutor(), l.bytes(), l.keptFraction()));
    }
    return new TrainingReport(name, ex.length, spec.compression.label(), r.losses(), r.elapsedSeconds(), 0, r.seconds(),
        r.samplesPerSecond(), links, plan.toJson());
  }
}
