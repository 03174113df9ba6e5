package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparkfusion.common.cli.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The dagtrain benchmark against the best plan a user could pick ({@code dev/bench-dagtrain.sh protocol run|report}).
 *
 * <p>Three sites are three executor JVMs of a {@code local-cluster} (one core each, OpenBLAS on one thread), site i
 * running task i. The links between them are emulated inside the transport (rate and round-trip time,
 * {@code spark.sparkfusion.dagtrain.linkRates}): site0-site1 is the fast pair, site2 is reached from both over the
 * profile's link. Every arm trains the same model from the same seed until the 5-step mean loss reaches the target
 * or the time budget is spent ({@link DagTrainer#targetLoss}, {@link DagTrainer#maxSeconds}), never for a fixed
 * number of steps. Arms: the even split over all three sites in each rotation of the site order, OP-Fence without
 * compression and OP-Fence with AdaTopK (ours), all under a per-site memory budget of {@code --site-memory} of what
 * training the whole model needs; and for reference, plans that budget forbids: the whole model in one process on
 * site0 and the even split over the fast pair. Rounds alternate the arms (every arm once per round, the order
 * rotated from round to round) and each run is kept as raw JSON; {@code report} rebuilds the Markdown, the plots and
 * {@code summary.json} from those files alone.
 */
final class DagTrainProtocol {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String[] DEFAULT_PROFILES = {"8mbit-100ms", "100mbit-40ms", "1gbit-10ms"};
  /** The fast pair's link in every profile (the best profile's). */
  static final String FAST_LINK = "1gbit/10ms";

  private DagTrainProtocol() {}

  /** One way to train: a planner, a compression, a stage count and which site runs the stage on task i. */
  record Arm(String id, String label, PlannerChoice planner, Compression compression, int stages, int[] sites,
      boolean reference) {
    boolean ours() {
      return id.equals("opfence-adatopk");
    }
  }

  static List<Arm> arms() {
    List<Arm> arms = new ArrayList<>();
    for (int[] order : new int[][] {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}}) {
      String o = order[0] + "-" + order[1] + "-" + order[2];
      arms.add(new Arm("even-" + o.replace("-", ""), "even split, sites " + o, PlannerChoice.EVEN, new Compression.None(),
          3, order, false));
    }
    arms.add(new Arm("opfence", "OP-Fence, no compression", PlannerChoice.OPFENCE, new Compression.None(), 3,
        new int[] {0, 1, 2}, false));
    arms.add(new Arm("opfence-adatopk", "OP-Fence + AdaTopK (ours)", PlannerChoice.OPFENCE, new Compression.AdaTopK(),
        3, new int[] {0, 1, 2}, false));
    arms.add(new Arm("one-process", "one process, site0", PlannerChoice.EVEN, new Compression.None(), 1, new int[] {0},
        true));
    arms.add(new Arm("even-01", "even split, sites 0-1", PlannerChoice.EVEN, new Compression.None(), 2,
        new int[] {0, 1}, true));
    return arms;
  }

  /** "8mbit-100ms" -> "8mbit/100ms". */
  static String link(String profile) {
    int dash = profile.lastIndexOf('-');
    if (dash <= 0) {
      throw new IllegalArgumentException("--profiles: expected RATE-RTT such as 8mbit-100ms, got '" + profile + "'");
    }
    String l = profile.substring(0, dash) + "/" + profile.substring(dash + 1);
    LinkRates.parse("0-1:" + l, 2); // fails naming the setting if the rate or time is malformed
    return l;
  }

  /** The link between two sites under a profile. */
  static String siteLink(String profile, int a, int b) {
    return (a == 2 || b == 2) ? link(profile) : FAST_LINK;
  }

  /** linkRates for an arm: task i runs on site arm.sites[i], so the task pair gets its sites' link. */
  static String linkRates(Arm arm, String profile) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < arm.stages(); i++) {
      for (int j = i + 1; j < arm.stages(); j++) {
        sb.append(sb.length() == 0 ? "" : ",").append(i).append('-').append(j).append(':')
            .append(siteLink(profile, arm.sites()[i], arm.sites()[j]));
      }
    }
    return sb.toString();
  }

  @Command(name = "dagtrain-protocol", sortOptions = false,
      description = "dagtrain against the best feasible plan: run rounds, or rebuild the report from the raw runs")
  static final class Options {
    @Parameters(index = "0", paramLabel = "run|report|study",
        description = "run: train and keep raw runs; report: rebuild; study: loss per step under each link encoding")
    String mode;

    @Option(names = "--data", paramLabel = "<dir>", description = "raw runs (default: ${DEFAULT-VALUE})")
    Path data = Path.of("docs/benchmarks/data/dagtrain");

    @Option(names = "--out", paramLabel = "<file>", description = "report (default: ${DEFAULT-VALUE})")
    Path out = Path.of("docs/benchmarks/dagtrain.md");

    @Option(names = "--img", paramLabel = "<dir>", description = "plots (default: ${DEFAULT-VALUE})")
    Path img = Path.of("docs/benchmarks/img");

    @Option(names = "--model", paramLabel = "<name>", description = "bench model (default: ${DEFAULT-VALUE})")
    String model = "gpt-small";

    @Option(names = "--profiles", split = ",", paramLabel = "<rate-rtt,...>",
        description = "site2's link in each profile (default: 8mbit-100ms,100mbit-40ms,1gbit-10ms)")
    List<String> profiles = List.of(DEFAULT_PROFILES);

    @Option(names = "--rounds", paramLabel = "<n>", description = "rounds per profile (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--first-round", paramLabel = "<r>", description = "number of the first round (default: ${DEFAULT-VALUE})")
    int firstRound = 1;

    @Option(names = "--arms", split = ",", paramLabel = "<id,...>", description = "only these arms (default: all)")
    List<String> arms = List.of();

    @Option(names = "--target-loss", paramLabel = "<L>", description = "5-step mean loss to reach (default: ${DEFAULT-VALUE})")
    double targetLoss = 3.0;

    @Option(names = "--budget-seconds", paramLabel = "<T>", description = "wall-clock budget per run (default: ${DEFAULT-VALUE})")
    double budgetSeconds = 600;

    @Option(names = "--max-steps", paramLabel = "<S>", description = "step limit per run (default: ${DEFAULT-VALUE})")
    int maxSteps = 2000;

    @Option(names = "--micro-batches", paramLabel = "<M>", description = "micro-batches per step (default: ${DEFAULT-VALUE})")
    int microBatches = 4;

    @Option(names = "--micro-batch-size", paramLabel = "<B>", description = "samples per micro-batch (default: ${DEFAULT-VALUE})")
    int microBatchSize = 4;

    @Option(names = "--lr", paramLabel = "<x>", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 3e-4;

    @Option(names = "--site-memory", paramLabel = "<f>",
        description = "each site's memory as a fraction of what training the whole model needs (default: ${DEFAULT-VALUE})")
    double siteMemory = 0.45;

    @Option(names = "--executor-memory-mb", paramLabel = "<MB>", description = "heap per site (default: ${DEFAULT-VALUE})")
    int executorMemoryMb = 2560;

    @Option(names = "--study-steps", paramLabel = "<S>", description = "steps per encoding in study (default: ${DEFAULT-VALUE})")
    int studySteps = 120;

    @Option(names = "--commit", paramLabel = "<sha>", description = "commit recorded with each run")
    String commit = "unknown";

    @Option(names = "--command", paramLabel = "<text>", description = "command recorded in the report")
    String command = "dev/bench-dagtrain.sh protocol";
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, o -> {
      switch (o.mode) {
        case "run" -> run(o);
        case "report" -> report(o);
        case "study" -> study(o);
        default -> throw new IllegalArgumentException("expected run, report or study, got '" + o.mode + "'");
      }
    });
  }

  static void run(Options o) throws Exception {
    DagTrainBench.BenchModel bm = DagTrainBench.model(o.model);
    Graph graph = bm.graph();
    List<Arm> arms = new ArrayList<>();
    for (Arm a : arms()) {
      if (o.arms.isEmpty() || o.arms.contains(a.id())) {
        arms.add(a);
      }
    }
    long whole = WorkloadEstimator.stageMemoryBytes(graph, 0, graph.size(), o.microBatches, o.microBatchSize);
    long budget = Math.round(whole * o.siteMemory);
    SparkSession spark = SparkSession.builder().master("local-cluster[3,1," + o.executorMemoryMb + "]")
        .appName("dagtrain-protocol").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator")
        // a site is one core: OpenBLAS must not spread a stage's products over the other sites' core
        .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
        .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s")
        .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "60")
        .config(DagTrainConfig.PROBE_KB.key(), "256").getOrCreate();
    try {
      Dataset<Row> data = DagTrainJob.toDataFrame(spark, graph, bm.samples()).cache();
      data.count();
      for (String profile : o.profiles) {
        link(profile);
        for (int r = o.firstRound; r < o.firstRound + o.rounds; r++) {
          // every arm once per round; the order rotates so that no arm always runs first (cold) or last
          for (int i = 0; i < arms.size(); i++) {
            Arm arm = arms.get((i + r - 1) % arms.size());
            runOne(o, spark, data, graph, arm, profile, r, whole, budget);
          }
        }
      }
    } finally {
      spark.stop();
    }
    report(o);
  }

  static void runOne(Options o, SparkSession spark, Dataset<Row> data, Graph graph, Arm arm, String profile, int round,
      long whole, long budget) throws IOException {
    // feasible: every stage of the arm's plan fits a site's budget (OP-Fence is given the budget and must find one)
    long largest = 0;
    if (arm.planner() == PlannerChoice.EVEN) {
      int[] cuts = Partition.even(graph, arm.stages());
      for (int s = 0; s < arm.stages(); s++) {
        largest = Math.max(largest, WorkloadEstimator.stageMemoryBytes(graph, cuts[s], cuts[s + 1], o.microBatches,
            o.microBatchSize));
      }
    }
    boolean feasible = !arm.reference() && largest <= budget;
    String rates = linkRates(arm, profile);
    spark.conf().set(DagTrainConfig.LINK_RATES.key(), rates);
    spark.conf().set(DagTrainConfig.MIN_STAGES.key(), Integer.toString(arm.stages()));
    // the reference arms break the site rule on purpose: they get what the whole model needs (half of the executor
    // heap, the default budget, is less than that for gpt-small)
    spark.conf().set(DagTrainConfig.MEMORY_BUDGET_MB.key(), Long.toString(arm.reference() ? (whole >> 20) + 1
        : budget >> 20));
    String started = java.time.Instant.now().toString();
    System.out.printf(Locale.ROOT, "== %s round %d %s (%s): started %s%n", profile, round, arm.id(), arm.label(), started);
    DagTrainer t = new DagTrainer(graph).name(o.model).stages(arm.stages()).planner(arm.planner().name().toLowerCase(
        Locale.ROOT)).compression(arm.compression().label()).steps(o.maxSteps).targetLoss(o.targetLoss)
        .maxSeconds(o.budgetSeconds).microBatches(o.microBatches).microBatchSize(o.microBatchSize)
        .optimizer("adam").learningRate(o.learningRate).seed(round);
    spark.sparkContext().setJobGroup("dagtrain-protocol", profile + " round " + round + " " + arm.label(), false);
    TrainingReport r = t.fit(data).summary();
    ObjectNode run = JSON.createObjectNode();
    run.put("profile", profile).put("round", round).put("arm", arm.id()).put("label", arm.label())
        .put("reference", arm.reference()).put("feasible", feasible).put("seed", round)
        .put("link_rates", rates).put("model", o.model)
        .put("model_parameters", graph.parameterCount()).put("target_loss", o.targetLoss)
        .put("budget_seconds", o.budgetSeconds).put("max_steps", o.maxSteps).put("micro_batches", o.microBatches)
        .put("micro_batch_size", o.microBatchSize).put("learning_rate", o.learningRate)
        .put("whole_model_memory_bytes", whole).put("site_memory_budget_bytes", budget)
        .put("largest_even_stage_bytes", largest).put("commit", o.commit).put("machine", DagTrainBench.machine())
        .put("started", started);
    ArrayNode sites = run.putArray("sites");
    for (int s : arm.sites()) {
      sites.add(s);
    }
    run.set("report", JSON.readTree(r.toJson()));
    Path file = o.data.resolve(profile).resolve(String.format(Locale.ROOT, "round%d-%s.json", round, arm.id()));
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf(Locale.ROOT, "== %s round %d %s: %d steps, stopped by %s, time to target %s, final 5-step loss %.4f,"
        + " %.1f s -> %s%n", profile, round, arm.id(), r.losses().size(), r.stopReason(),
        fmt(timeToTarget(r.losses(), r.elapsedSeconds(), o.targetLoss)), fiveStepMean(r.losses()), r.seconds(), file);
  }

  /** The study's link encodings: label, activations, gradients, error feedback on activations, on gradients. */
  record Encoding(String label, Compressor activations, Compressor gradients, boolean activationFeedback,
      boolean gradientFeedback) {
    static List<Encoding> all() {
      return List.of(new Encoding("fp32 (dense)", new Compressor.Dense(), new Compressor.Dense(), false, false),
          new Encoding("fp16", new Compressor.Fp16(), new Compressor.Fp16(), false, false),
          new Encoding("int8", new Compressor.Int8(), new Compressor.Int8(), false, false),
          new Encoding("top-k 0.5 / 1.0", new Compressor.TopK(0.5), new Compressor.Dense(), false, false),
          new Encoding("top-k 0.3 / 0.6, gradient feedback", new Compressor.TopK(0.3), new Compressor.TopK(0.6), false,
              true),
          new Encoding("top-k 0.1 / 0.2, gradient feedback (the old rule's floor)", new Compressor.TopK(0.1),
              new Compressor.TopK(0.2), false, true),
          new Encoding("top-k 0.1 / 0.2, feedback both ways", new Compressor.TopK(0.1), new Compressor.TopK(0.2), true,
              true));
    }
  }

  /**
   * What each link encoding costs in convergence, apart from any link: the model in 3 even stages in one JVM
   * (InProcessPipeline, no rate limit), the same seed, data and steps for every encoding; per-step loss and the bytes
   * on the two links kept as JSON under {@code <data>/study/<model>.json}. It is the evidence for AdaTopK's ladder.
   */
  static void study(Options o) throws Exception {
    DagTrainBench.BenchModel bm = DagTrainBench.model(o.model);
    int[] cuts = Partition.even(bm.graph(), 3);
    ObjectNode root = JSON.createObjectNode();
    root.put("model", o.model).put("model_parameters", bm.graph().parameterCount()).put("steps", o.studySteps)
        .put("micro_batches", o.microBatches).put("micro_batch_size", o.microBatchSize)
        .put("learning_rate", o.learningRate).put("commit", o.commit).put("machine", DagTrainBench.machine());
    ArrayNode cutsJson = root.putArray("cuts");
    for (int c : cuts) {
      cutsJson.add(c);
    }
    ArrayNode runs = root.putArray("encodings");
    for (Encoding e : Encoding.all()) {
      LinkCompression lc = new LinkCompression(new Compression.AdaTopK(), e.activations(), e.gradients(),
          e.activationFeedback(), e.gradientFeedback());
      TrainOptions t = new TrainOptions(o.studySteps, o.microBatches, o.microBatchSize, "adam", o.learningRate, 1,
          600_000, 0, Schedule.GPIPE);
      TrainResult r = InProcessPipeline.train(bm.graph(), cuts, t,
          new SampleSource(bm.graph(), bm.samples(), o.microBatchSize, 1), List.of(lc, lc), null);
      long bytes = 0;
      for (LinkStat l : r.links()) {
        bytes += l.bytes();
      }
      ObjectNode run = runs.addObject();
      run.put("label", e.label()).put("bytes_per_step", (double) bytes / r.losses().size());
      ArrayNode losses = run.putArray("loss");
      r.losses().forEach(losses::add);
      System.out.printf(Locale.ROOT, "== study %s %-58s 5-step loss at the end %.4f, %.0f bytes per step%n", o.model,
          e.label(), fiveStepMean(r.losses()), (double) bytes / r.losses().size());
    }
    Path file = o.data.resolve("study").resolve(o.model + ".json");
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("wrote " + file);
  }

  static String fmt(double v) {
    return Double.isNaN(v) ? "not reached" : String.format(Locale.ROOT, "%.1f s", v);
  }

  static double fiveStepMean(List<Double> l) {
    return l.isEmpty() ? Double.NaN : DagTrainBench.movingAverage(l, l.size() - 1);
  }

  /** Seconds into training at the end of the first step whose 5-step mean loss is at or below the target. */
  static double timeToTarget(List<Double> losses, List<Double> elapsed, double target) {
    for (int i = StopRule.WINDOW - 1; i < losses.size(); i++) {
      if (DagTrainBench.movingAverage(losses, i) <= target) {
        return elapsed.get(i);
      }
    }
    return Double.NaN;
  }

  /** One kept run, read back from its JSON. */
  record Run(String profile, int round, String arm, String label, boolean reference, boolean feasible, double target,
      double budget, List<Double> losses, List<Double> elapsed, String stopReason, double seconds, JsonNode json) {
    double timeToTarget() {
      return DagTrainProtocol.timeToTarget(losses, elapsed, target);
    }

    /** Time to target, or the budget spent when the run did not reach it (a lower bound on its time). */
    double timeOrBudget() {
      double t = timeToTarget();
      return Double.isNaN(t) ? Math.max(seconds, budget) : t;
    }
  }

  static List<Run> readRuns(Path dir) throws IOException {
    List<Run> runs = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return runs;
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(p -> p.getFileName().toString().matches("round\\d+-.*\\.json")).sorted().toList();
    }
    for (Path f : files) {
      JsonNode j = JSON.readTree(f.toFile());
      JsonNode rep = j.path("report");
      List<Double> losses = new ArrayList<>();
      rep.path("loss").forEach(x -> losses.add(x.asDouble()));
      List<Double> elapsed = new ArrayList<>();
      rep.path("elapsed").forEach(x -> elapsed.add(x.asDouble()));
      runs.add(new Run(j.path("profile").asText(), j.path("round").asInt(), j.path("arm").asText(),
          j.path("label").asText(), j.path("reference").asBoolean(), j.path("feasible").asBoolean(),
          j.path("target_loss").asDouble(), j.path("budget_seconds").asDouble(), losses, elapsed,
          rep.path("stop_reason").asText("steps"), rep.path("seconds").asDouble(), j));
    }
    return runs;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  /** The planned links of a run with a stage on site2 (the profile's slow link), as plan JSON nodes. */
  static List<JsonNode> slowLinks(Run r) {
    JsonNode plan = r.json().path("report").path("plan");
    JsonNode sites = r.json().path("sites");
    List<Integer> siteOfStage = new ArrayList<>();
    for (JsonNode st : plan.path("stages")) {
      siteOfStage.add(sites.path(st.path("executor").asInt()).asInt());
    }
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode l : plan.path("links")) {
      int from = l.path("from").asInt();
      int to = l.path("to").asInt();
      if (to < siteOfStage.size() && (siteOfStage.get(from) == 2 || siteOfStage.get(to) == 2)) {
        out.add(l);
      }
    }
    return out;
  }

  /** Mean planned wire fraction (bytes over fp32's, activations and gradients) of ours on site2's links. */
  static double slowLinkWire(Run r) {
    double sum = 0;
    int n = 0;
    for (JsonNode l : slowLinks(r)) {
      sum += l.path("activation_fraction").asDouble() + l.path("gradient_fraction").asDouble();
      n += 2;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** The encodings AdaTopK chose on site2's links over the runs, e.g. "int8/int8 (5 runs)". */
  static String slowLinkEncodings(List<Run> ours) {
    Map<String, Integer> count = new java.util.TreeMap<>();
    for (Run r : ours) {
      java.util.Set<String> seen = new java.util.TreeSet<>();
      for (JsonNode l : slowLinks(r)) {
        seen.add(l.path("activation_encoding").asText("?") + "/" + l.path("gradient_encoding").asText("?"));
      }
      count.merge(String.join(", ", seen), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    count.forEach((k, v) -> parts.add(k + " (" + v + (v == 1 ? " run)" : " runs)")));
    return String.join("; ", parts);
  }

  /**
   * AdaTopK's rule and the study behind it: one table per {@code study/<model>.json} (loss per step under each link
   * encoding, no link in the way).
   */
  static void studySection(StringBuilder md, Path dir) throws IOException {
    md.append("**AdaTopK's rule: precision before sparsity.** Per link the planner picks the least lossy encoding that")
        .append(" keeps the link from being the pipeline's bottleneck: fp32, else fp16 (half the bytes), else int8 (a")
        .append(" quarter, per-tensor scale), and only below int8's bytes top-k with fp16 values (gradients keep twice the")
        .append(" activations' fraction); by default (`adatopk.minFraction` 0.5) it never sparsifies. The earlier rule went")
        .append(" straight to the largest top-k fraction that fit, usually its floor of 0.1 on a slow link. The study below")
        .append(" is why: the same model, seed, data and steps in three even stages in one JVM, with no link in the way, so")
        .append(" only the encoding differs (`dev/bench-dagtrain.sh protocol study --model M`, raw JSON in")
        .append(" `docs/benchmarks/data/dagtrain/study/`).\n\n");
    if (!Files.isDirectory(dir)) {
      md.append("(no study has been run yet)\n\n");
      return;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    for (Path f : files) {
      JsonNode j = JSON.readTree(f.toFile());
      int steps = j.path("steps").asInt();
      int[] at = {steps / 4, steps / 2, steps};
      md.append(String.format(Locale.ROOT, "Model %s (%,d parameters), %d steps of %d micro-batches of %d, Adam lr %s,"
              + " cuts %s, commit %s.%n%n", j.path("model").asText(), j.path("model_parameters").asLong(), steps,
          j.path("micro_batches").asInt(), j.path("micro_batch_size").asInt(), j.path("learning_rate").asText(),
          j.path("cuts").toString(), j.path("commit").asText()));
      md.append("| activations / gradients | bytes per step vs fp32 |");
      for (int s : at) {
        md.append(" 5-step loss at step ").append(s).append(" |");
      }
      md.append("\n|---|---|---|---|---|\n");
      double dense = Double.NaN;
      for (JsonNode e : j.path("encodings")) {
        List<Double> losses = new ArrayList<>();
        e.path("loss").forEach(x -> losses.add(x.asDouble()));
        double bytes = e.path("bytes_per_step").asDouble();
        if (Double.isNaN(dense)) {
          dense = bytes;
        }
        md.append("| ").append(e.path("label").asText()).append(String.format(Locale.ROOT, " | %.3f |", bytes / dense));
        for (int s : at) {
          md.append(s <= losses.size() ? String.format(Locale.ROOT, " %.4f |", fiveStepMean(losses.subList(0, s)))
              : " - |");
        }
        md.append('\n');
      }
      md.append('\n');
    }
  }

  static void report(Options o) throws IOException {
    List<Run> all = readRuns(o.data);
    Map<String, List<Run>> byProfile = new LinkedHashMap<>();
    for (String p : DEFAULT_PROFILES) {
      byProfile.put(p, new ArrayList<>());
    }
    for (Run r : all) {
      byProfile.computeIfAbsent(r.profile(), k -> new ArrayList<>()).add(r);
    }
    byProfile.values().removeIf(List::isEmpty);
    Files.createDirectories(o.img);
    StringBuilder md = new StringBuilder();
    ObjectNode summary = JSON.createObjectNode();
    ArrayNode profiles = summary.putArray("profiles");
    md.append("# dagtrain benchmark: against the best plan a user could pick\n\n");
    md.append("Regenerate this page, its plots and `docs/benchmarks/data/dagtrain/summary.json` from the raw runs with `")
        .append("dev/bench-dagtrain.sh protocol report`; rerun the measurements with `dev/bench-dagtrain.sh protocol run`")
        .append(" (all profiles, 5 rounds; `--profiles`, `--rounds`, `--first-round` and `--arms` select a part). Every run is")
        .append(" kept as raw JSON under `docs/benchmarks/data/dagtrain/<profile>/round<r>-<arm>.json` (per-step loss and")
        .append(" time, plan, per-link bytes and kept fractions, per-stage timing, the machine and commit it ran on).\n\n");
    md.append("**Set-up.** Three sites are three executor JVMs of a Spark `local-cluster` on one machine (one core and one")
        .append(" OpenBLAS thread each; the machine has 2 cores, so the three sites share them). Site i runs task i; links are")
        .append(" emulated inside dagtrain's transport (rate limit, and half the round-trip time added to each direction):")
        .append(" site0-site1 at ").append(FAST_LINK).append(", site2 reached from both over the profile's link. Each arm trains")
        .append(" the same model from the same seed (the round's number) until the mean loss of the last 5 steps reaches the")
        .append(" target, or its time budget is spent; never a fixed number of steps. Time to target is the elapsed training")
        .append(" time at the end of that step (start-up, link measurement and planning excluded, the same for every arm).\n\n");
    md.append("**Arms.** Baselines: the even split over all three sites in each rotation of the site order (so the slow site")
        .append(" holds the first, middle and last stage once), and OP-Fence without compression; ours: OP-Fence + AdaTopK. Each")
        .append(" site may hold at most `--site-memory` (45%) of what training the whole model needs (parameters, gradients,")
        .append(" Adam state, in-flight activations); a plan with a larger stage is infeasible. The whole model in one process")
        .append(" on site0, and the even split over the fast pair site0-site1, break that rule: they run for reference and are")
        .append(" never the baseline. The best feasible baseline is the feasible baseline with the lowest median time to")
        .append(" target; speed-ups are that arm's time over ours, per round, then median and range over rounds.\n\n");
    studySection(md, o.data.resolve("study"));
    for (Map.Entry<String, List<Run>> e : byProfile.entrySet()) {
      profileSection(md, profiles, e.getKey(), e.getValue(), o.img);
    }
    Path summaryFile = o.data.resolve("summary.json");
    Files.createDirectories(o.data);
    Files.writeString(summaryFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n",
        StandardCharsets.UTF_8);
    Files.createDirectories(o.out.toAbsolutePath().getParent());
    Files.writeString(o.out, md.toString(), StandardCharsets.UTF_8);
    System.out.println("wrote " + o.out + ", " + summaryFile + " and plots in " + o.img + " from " + all.size() + " runs");
  }

  static void profileSection(StringBuilder md, ArrayNode profiles, String profile, List<Run> runs, Path img)
      throws IOException {
    Map<String, List<Run>> byArm = new LinkedHashMap<>();
    for (Arm a : arms()) {
      byArm.put(a.id(), new ArrayList<>());
    }
    for (Run r : runs) {
      byArm.computeIfAbsent(r.arm(), k -> new ArrayList<>()).add(r);
    }
    byArm.values().removeIf(List::isEmpty);
    Run any = runs.get(0);
    JsonNode j = any.json();
    md.append("## ").append(profile).append(": site2 over ").append(link(profile)).append("\n\n");
    TreeMap<String, Integer> commits = new TreeMap<>();
    TreeMap<String, Integer> machines = new TreeMap<>();
    for (Run r : runs) {
      commits.merge(r.json().path("commit").asText(), 1, Integer::sum);
      machines.merge(r.json().path("machine").asText().replaceAll(", \\d{4}-\\d\\d-\\d\\dT.*$", ""), 1, Integer::sum);
    }
    md.append(String.format(Locale.ROOT, "Model %s (%,d parameters), %d micro-batches of %d, Adam lr %s, target 5-step"
            + " mean loss %.3f, budget %.0f s per run. Whole model needs %.0f MB to train, a site may hold %.0f MB. Runs"
            + " at commit %s on %s.%n%n", j.path("model").asText(), j.path("model_parameters").asLong(),
        j.path("micro_batches").asInt(), j.path("micro_batch_size").asInt(), j.path("learning_rate").asText(),
        any.target(), any.budget(), j.path("whole_model_memory_bytes").asDouble() / 1e6,
        j.path("site_memory_budget_bytes").asDouble() / 1e6, String.join(", ", commits.keySet()),
        String.join("; ", machines.keySet())));
    // the best feasible baseline: lowest median time to target (the budget counts for runs that did not reach it)
    String best = null;
    double bestMedian = Double.POSITIVE_INFINITY;
    for (Map.Entry<String, List<Run>> e : byArm.entrySet()) {
      Run first = e.getValue().get(0);
      if (first.reference() || !first.feasible() || e.getKey().equals("opfence-adatopk")) {
        continue;
      }
      double m = median(e.getValue().stream().mapToDouble(Run::timeOrBudget).toArray());
      if (m < bestMedian) {
        bestMedian = m;
        best = e.getKey();
      }
    }
    List<Run> ours = byArm.getOrDefault("opfence-adatopk", List.of());
    md.append("| arm | feasible | runs | reached target | time to target, median (min-max) s | steps | final 5-step loss"
        + " median | ours' speed-up over it, median (min-max) |\n|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, List<Run>> e : byArm.entrySet()) {
      List<Run> rs = e.getValue();
      Run first = rs.get(0);
      double[] t = rs.stream().mapToDouble(Run::timeOrBudget).toArray();
      long reached = rs.stream().filter(r -> !Double.isNaN(r.timeToTarget())).count();
      double[] steps = rs.stream().mapToDouble(r -> r.losses().size()).toArray();
      double[] fin = rs.stream().mapToDouble(r -> fiveStepMean(r.losses())).toArray();
      double[] ratio = ratios(rs, ours);
      String name = first.label() + (e.getKey().equals(best) ? " **(best feasible baseline)**" : "");
      md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s | %.0f | %.4f | %s |%n", name,
          first.reference() ? "no (reference)" : first.feasible() ? "yes" : "no (a stage exceeds the site budget)",
          rs.size(), reached, range(t, reached < rs.size()), median(steps), median(fin),
          e.getKey().equals("opfence-adatopk") ? "-" : ratio.length == 0 ? "-" : rangeX(ratio)));
    }
    md.append("\nA time marked ≥ includes runs that did not reach the target within the budget; for them the budget is")
        .append(" counted, a lower bound on their time.\n\n");
    ObjectNode p = profiles.addObject();
    p.put("name", profile);
    p.put("model_parameters", j.path("model_parameters").asLong());
    p.put("runs", ours.size());
    p.put("best_baseline", best);
    double[] vsBest = best == null ? new double[0] : ratios(byArm.get(best), ours);
    double[] vsDense = byArm.containsKey("opfence") ? ratios(byArm.get("opfence"), ours) : new double[0];
    p.put("ratio_vs_best_baseline_median", median(vsBest));
    p.put("ratio_vs_opfence_dense_median", median(vsDense));
    double[] finDiff = best == null ? new double[0] : finalLossDiffs(byArm.get(best), ours);
    p.put("final_loss_rel_diff_median", median(finDiff));
    p.put("adatopk_slow_link_wire_fraction", median(ours.stream().mapToDouble(DagTrainProtocol::slowLinkWire).toArray()));
    p.put("adatopk_slow_link_encodings", slowLinkEncodings(ours));
    if (best != null && !ours.isEmpty()) {
      md.append(String.format(Locale.ROOT, "**Ours vs the best feasible baseline (%s): %s faster** (median, range over %d"
              + " rounds); vs OP-Fence without compression: %s; final 5-step loss ours/baseline - 1: %+.2f%% (median). On"
              + " the links to site2 AdaTopK sent activations/gradients as %s, %.3f of fp32's bytes (median of the runs'"
              + " means).%n%n", byArm.get(best).get(0).label(),
          rangeX(vsBest), vsBest.length, vsDense.length == 0 ? "-" : rangeX(vsDense), 100 * median(finDiff),
          p.path("adatopk_slow_link_encodings").asText(), p.path("adatopk_slow_link_wire_fraction").asDouble()));
    }
    String name = "dagtrain-protocol-" + profile;
    plotLoss(byArm, profile, img.resolve(name + "-loss.png"));
    plotTimes(byArm, profile, img.resolve(name + "-time.png"));
    md.append("![loss vs time, ").append(profile).append("](img/").append(name).append("-loss.png)\n");
    md.append("![time to target, ").append(profile).append("](img/").append(name).append("-time.png)\n\n");
  }

  /** Per round where both ran: the other arm's time to target (or budget) over ours. */
  static double[] ratios(List<Run> other, List<Run> ours) {
    List<Double> out = new ArrayList<>();
    for (Run a : ours) {
      for (Run b : other) {
        if (b.round() == a.round()) {
          out.add(b.timeOrBudget() / a.timeOrBudget());
        }
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static double[] finalLossDiffs(List<Run> other, List<Run> ours) {
    List<Double> out = new ArrayList<>();
    for (Run a : ours) {
      for (Run b : other) {
        if (b.round() == a.round()) {
          out.add(fiveStepMean(a.losses()) / fiveStepMean(b.losses()) - 1);
        }
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static String range(double[] v, boolean lowerBound) {
    return String.format(Locale.ROOT, "%s%.1f (%.1f-%.1f)", lowerBound ? "≥ " : "", median(v), min(v), max(v));
  }

  static String rangeX(double[] v) {
    return String.format(Locale.ROOT, "%.2fx (%.2f-%.2fx)", median(v), min(v), max(v));
  }

  static void plotLoss(Map<String, List<Run>> byArm, String profile, Path file) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(500).title("loss vs training time, " + profile
        + " (every round)").xAxisTitle("seconds of training").yAxisTitle("training loss (5-step mean)").build();
    for (Map.Entry<String, List<Run>> e : byArm.entrySet()) {
      for (Run r : e.getValue()) {
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < r.losses().size(); i++) {
          y.add(DagTrainBench.movingAverage(r.losses(), i));
        }
        if (!y.isEmpty()) {
          chart.addSeries(e.getKey() + " r" + r.round(), r.elapsed(), y).setMarker(SeriesMarkers.NONE);
        }
      }
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  static void plotTimes(Map<String, List<Run>> byArm, String profile, Path file) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(900).height(450).title("time to target, " + profile
        + ": median, bars from min to max").xAxisTitle("arm").yAxisTitle("seconds").build();
    List<String> names = new ArrayList<>();
    List<Double> med = new ArrayList<>();
    List<Double> lo = new ArrayList<>();
    List<Double> hi = new ArrayList<>();
    for (Map.Entry<String, List<Run>> e : byArm.entrySet()) {
      double[] t = e.getValue().stream().mapToDouble(Run::timeOrBudget).toArray();
      names.add(e.getKey());
      med.add(median(t));
      lo.add(min(t));
      hi.add(max(t));
    }
    chart.addSeries("min", names, lo);
    chart.addSeries("median", names, med);
    chart.addSeries("max", names, hi);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
