package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.util.CollectionAccumulator;
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
 * A Spark ML Estimator that trains a {@link Graph} as a pipeline and returns a {@link DagTrainModel} (the trained
 * weights, a forward {@code transform}, save/load, the run's report and history). Training data is a DataFrame with one column per graph input, named
 * after it, holding the sample's flattened values (an array of numbers, or a number for scalar inputs); see
 * {@link #schemaFor(Graph)}. {@link #fit(Dataset)} runs one Spark barrier task per stage ({@link #stages(int)}
 * tasks; the cluster needs that many free task slots), measures links and op times, plans and trains;
 * {@link #fitInProcess(Dataset)} runs the same stages as threads of this JVM. Settings are Params
 * ({@link DagTrainParams}; the fluent setters such as {@link #steps(int)} set them); unset ones come from the
 * session's {@code spark.sparkfusion.dagtrain.*} configuration ({@link DagTrainConfig}).
 */
public final class DagTrainer extends Estimator<DagTrainModel> implements DagTrainParams {
  private static final Logger LOG = LoggerFactory.getLogger(DagTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String uid;
  private final Declared declared;
  private final Graph graph;
  private String evenHosts = "";
  private transient volatile TrainingProgress progress;
  private transient java.util.function.Consumer<TrainingProgress> progressCallback;

  public DagTrainer(Graph graph) {
    this(graph, Identifiable$.MODULE$.randomUID("dagtrainer"));
  }

  public DagTrainer(Graph graph, String uid) {
    this.graph = java.util.Objects.requireNonNull(graph, "graph");
    this.uid = uid;
    this.declared = new Declared(this);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Declared declared() {
    return declared;
  }

  /** The graph this trainer trains. */
  public Graph graph() {
    return graph;
  }

  /** Name reported as "model". */
  public DagTrainer name(String n) {
    set(modelName(), n);
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

  public DagTrainer steps(int s) {
    if (s < 1) {
      throw new IllegalArgumentException("steps must be at least 1, got " + s);
    }
    set(steps(), s);
    return this;
  }

  /** Number of training tasks (executors) and at most that many stages; 1 trains in one process. */
  public DagTrainer stages(int s) {
    if (s < 1) {
      throw new IllegalArgumentException("stages must be at least 1, got " + s);
    }
    set(stages(), s);
    return this;
  }

  public DagTrainer seed(long s) {
    set(seed(), s);
    return this;
  }

  /** none, topk:F, randomk:F, int8 or adatopk; parsed here, so a bad value fails before anything runs. */
  public DagTrainer compression(String c) {
    Compression.parse(c);
    set(compression(), c);
    return this;
  }

  DagTrainer compression(Compression c) {
    set(compression(), java.util.Objects.requireNonNull(c, "compression").label());
    return this;
  }

  /** opfence (default) or even. */
  public DagTrainer planner(String p) {
    PlannerChoice.parse(p);
    set(planner(), p);
    return this;
  }

  DagTrainer planner(PlannerChoice p) {
    set(planner(), java.util.Objects.requireNonNull(p, "planner").label);
    return this;
  }

  public DagTrainer microBatches(int m) {
    set(microBatches(), m);
    return this;
  }

  public DagTrainer microBatchSize(int b) {
    set(microBatchSize(), b);
    return this;
  }

  public DagTrainer optimizer(String o) {
    Optimizer.parse(o, 0.01);
    set(optimizer(), o);
    return this;
  }

  /** gpipe or 1f1b (default: {@code spark.sparkfusion.dagtrain.schedule}). */
  public DagTrainer schedule(String s) {
    Schedule.parse(s);
    set(schedule(), s);
    return this;
  }

  DagTrainer schedule(Schedule s) {
    set(schedule(), java.util.Objects.requireNonNull(s, "schedule").label);
    return this;
  }

  /**
   * Stops training once the mean loss of the last 5 steps is at or below {@code loss} (the step limit still applies):
   * every stage stops after the same step, and {@link TrainingReport#stopReason()} says {@code target}.
   */
  public DagTrainer targetLoss(double loss) {
    set(targetLoss(), loss);
    return this;
  }

  /**
   * Stops training after the first step that ends {@code seconds} after training started (the last stage's clock,
   * from when all stages are ready): {@link TrainingReport#stopReason()} then says {@code budget}.
   */
  public DagTrainer maxSeconds(double seconds) {
    set(maxSeconds(), seconds);
    return this;
  }

  public DagTrainer learningRate(double lr) {
    set(learningRate(), lr);
    return this;
  }

  /** Column the trained model's {@code transform} writes (default "output"). */
  public DagTrainer outputCol(String c) {
    set(outputCol(), c);
    return this;
  }

  /** Node whose value the trained model's {@code transform} outputs (default: the loss's input, the logits). */
  public DagTrainer outputNode(String n) {
    Inference.checkNode(graph, n);
    set(outputNode(), n);
    return this;
  }

  /**
   * Called on the driver whenever the running fit's {@link TrainingProgress} advances (with each executor heartbeat
   * that carries new steps), and once when it finishes; not a Param, not saved.
   */
  public DagTrainer onProgress(java.util.function.Consumer<TrainingProgress> callback) {
    this.progressCallback = callback;
    return this;
  }

  /** The progress of the fit running now, or of the last one; null before the first fit. */
  public TrainingProgress progress() {
    return progress;
  }

  @Override
  public DagTrainer copy(ParamMap extra) {
    DagTrainer t = new DagTrainer(graph, uid);
    t.evenHosts = evenHosts;
    t.progressCallback = progressCallback;
    return copyValues(t, extra);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (Node in : graph.nodes().stream().filter(Node::isInput).toList()) {
      DagTrainModel.checkInputColumn(schema, in);
    }
    // what the fitted model's transform appends
    return schema.add(DataTypes.createStructField(getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false),
        false));
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
    s.steps = getSteps();
    s.microBatches = isSet(microBatches()) ? (Integer) $(microBatches()) : DagTrainConfig.MICRO_BATCHES.get(c);
    s.microBatchSize = isSet(microBatchSize()) ? (Integer) $(microBatchSize()) : DagTrainConfig.MICRO_BATCH_SIZE.get(c);
    // Params and session keys are checked where they are set and turned into their types once, here
    s.schedule = Schedule.parse(isSet(schedule()) ? $(schedule()) : DagTrainConfig.SCHEDULE.get(c));
    s.optimizer = isSet(optimizer()) ? $(optimizer()) : DagTrainConfig.OPTIMIZER.get(c);
    s.learningRate = isSet(learningRate()) ? (Double) $(learningRate()) : DagTrainConfig.LEARNING_RATE.get(c);
    s.seed = getSeed();
    s.compression = Compression.parse(getCompression());
    s.planner = PlannerChoice.parse(getPlanner());
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
    s.stopRule = new StopRule(isSet(targetLoss()) ? (Double) $(targetLoss()) : Double.NaN,
        isSet(maxSeconds()) ? (Double) $(maxSeconds()) : 0);
    s.failAtStep = DagTrainConfig.FAIL_AT_STEP.get(c);
    s.failStage = DagTrainConfig.FAIL_STAGE.get(c);
    LinkRates.parse(s.linkRates, tasks);
    s.options();
    return s;
  }

  /**
   * Trains on the cluster: one barrier task per stage, data sent to the first task, links measured and the
   * plan made at start, parameters checkpointed when {@code spark.sparkfusion.dagtrain.checkpoint.dir} is set
   * (a retried barrier stage resumes from the latest complete checkpoint). Returns the trained model, whose
   * {@link DagTrainModel#summary()} is the run's report; {@link #progress()} shows the steps while it runs.
   */
  @Override
  public DagTrainModel fit(Dataset<?> dataset) {
    Dataset<Row> data = dataset.toDF();
    transformSchema(data.schema());
    SparkSession spark = data.sparkSession();
    int stages = getStages();
    String name = getModelName();
    checkCapacity(spark.sparkContext());
    TrainingSpec spec = spec(spark, stages);
    checkMemory(spec);
    // a fresh secret per run: the tasks' connections to each other must prove they hold it (ConnectionAuth)
    spec.connectionSecret = ConnectionAuth.newSecret();
    TrainingProgress live = new TrainingProgress(spec.steps);
    this.progress = live;
    CollectionAccumulator<double[]> acc = new CollectionAccumulator<>();
    spark.sparkContext().register(acc, "dagtrain " + name + " progress");
    ProgressListener listener = new ProgressListener(acc.id(), live, progressCallback);
    spark.sparkContext().addSparkListener(listener);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    TrainingReport report = null;
    try {
      jsc.setJobDescription("dagtrain " + name + ": read training data and send it to the first stage");
      JavaRDD<Sample> samples = data.toJavaRDD().map(new RowToSample(graph)).zipWithIndex()
          .mapToPair(new KeyedByZero()).partitionBy(new AllToFirstPartition(stages)).values();
      jsc.setJobDescription("dagtrain " + name + ": measure links, plan and train " + spec.steps + " steps on "
          + stages + " barrier tasks (" + spec.planner.label + ", " + spec.compression.label() + ")");
      long start = System.nanoTime();
      // The shuffle after the barrier stage makes it a ShuffleMapStage, which Spark retries as a whole after a
      // task failure (a barrier ResultStage would not be retried); the retry resumes from the checkpoint.
      List<byte[]> results = new JavaRDD<byte[]>(samples.rdd().barrier()
          .mapPartitions(new BarrierTrainTask(spec, acc), false, ClassTag$.MODULE$.apply(byte[].class)),
          ClassTag$.MODULE$.apply(byte[].class)).repartition(1).collect();
      double wall = (System.nanoTime() - start) / 1e9;
      List<String> summaries = new ArrayList<>();
      List<TrainedWeights> parts = new ArrayList<>();
      for (byte[] r : results) {
        Object[] d = BarrierTrainTask.decode(r);
        summaries.add((String) d[0]);
        byte[] w = (byte[]) d[1];
        if (w.length > 0) {
          parts.add(TrainedWeights.decode(w, graph));
        }
      }
      report = assemble(spec, summaries, wall);
      return model(report, TrainedWeights.merge(graph, parts));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("could not read the training tasks' parameters: " + e.getMessage(), e);
    } finally {
      jsc.setJobDescription(null);
      spark.sparkContext().removeSparkListener(listener);
      live.finish(report);
      if (progressCallback != null && report != null) {
        progressCallback.accept(live);
      }
    }
  }

  private DagTrainModel model(TrainingReport report, TrainedWeights weights) {
    DagTrainModel m = new DagTrainModel(uid, graph, weights, report);
    copyValues(m, ParamMap.empty());
    return m.setParent(this);
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
    int stages = getStages();
    StageCapacity.checkOps(graph, getModelName(), stages);
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
      String name = getModelName();
      LOG.info("dagtrain {}: {} stage(s), {} steps, final loss {}, {} s, {} samples/s", name, k, losses.size(),
          losses.isEmpty() ? "n/a" : String.format("%.4f", losses.get(losses.size() - 1)), String.format("%.1f", seconds),
          String.format("%.1f", throughput));
      return new TrainingReport(name, k, spec.compression.label(), losses, elapsed, last.path("start_step").asInt(), seconds,
          throughput, links, planJson, timing).stoppedBy(last.path("stop_reason").asText("steps"));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("could not read the training tasks' results", e);
    }
  }

  /** Trains in this JVM: the stages of an OP-Fence (or even) plan as threads, linked in memory. */
  public DagTrainModel fitInProcess(Dataset<Row> data) throws Exception {
    List<Sample> samples = new ArrayList<>();
    RowToSample conv = new RowToSample(graph);
    // collectAsList rather than toLocalIterator: the latter ships Spark-internal arrays that a session with
    // spark.kryo.registrationRequired=true refuses; the samples all end up in this JVM either way.
    for (Row row : data.collectAsList()) {
      samples.add(conv.call(row));
    }
    return fitInProcess(samples, spec(data.sparkSession(), getStages()));
  }

  DagTrainModel fitInProcess(List<Sample> samples, TrainingSpec spec) throws Exception {
    StageCapacity.checkOps(graph, getModelName(), spec.tasks);
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
        new SampleSource(graph, samples, o.microBatchSize(), o.seed()), lcs, linkRates, spec.stopRule);
    List<TrainingReport.Link> links = new ArrayList<>();
    for (LinkStat l : r.links()) {
      links.add(new TrainingReport.Link(l.fromExecutor(), l.toExecutor(), l.bytes(), l.keptFraction()));
    }
    TrainingReport report = new TrainingReport(getModelName(), ex.length, spec.compression.label(), r.losses(),
        r.elapsedSeconds(), 0, r.seconds(), r.samplesPerSecond(), links, plan.toJson()).stoppedBy(r.stopReason().label());
    TrainingProgress done = new TrainingProgress(spec.steps);
    done.finish(report);
    this.progress = done;
    return model(report, r.weights());
  }
}
