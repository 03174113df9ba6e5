package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.cli.StandardOptions;
import org.sparkfusion.dagtrain.transport.RateLimiter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The dagtrain benchmark ({@code dev/bench-dagtrain.sh}): gpt-tiny on the fortunes text over three sites whose
 * slowest links run at 8 Mbit/s, 100 Mbit/s and 1 Gbit/s, comparing (a) even split without compression, (b)
 * OP-Fence without compression, (c) OP-Fence + Top-K 10%, (d) OP-Fence + AdaTopK, side by side in one run,
 * plus the pipeline-over-one-process overhead on fast links. Links are emulated by the transport's rate
 * limiter between in-process stages (see docs/benchmarks/dagtrain.md for what that does and does not model).
 */
final class DagTrainBench {
  private DagTrainBench() {}

  record Setting(String label, PlannerChoice planner, Compression compression, int minStages, String[] evenHosts) {
    Setting(String label, String planner, String compression, int minStages) {
      this(label, planner, compression, minStages, new String[0]);
    }

    Setting(String label, String planner, String compression, int minStages, String[] evenHosts) {
      this(label, PlannerChoice.parse(planner), Compression.parse(compression), minStages, evenHosts);
    }
  }

  /** A benchmark model: graph, data, micro-batching. */
  record BenchModel(String name, Graph graph, List<Sample> samples, int micro, int batch, String shape) { }

  static BenchModel model(String name) throws IOException {
    return switch (name) {
      case "gpt-tiny" -> new BenchModel(name, Models.gptTiny(), BuiltInData.fortunes(32, 400_000), 4, 8,
          "sequence 32, width 32, 2 heads, 2 layers");
      case "gpt-wide" -> new BenchModel(name, Models.gptTiny(64, 32, 2, 2, 0.0), BuiltInData.fortunes(64, 800_000), 4, 16,
          "sequence 64, width 32, 2 heads, 2 layers");
      // the gptSmall() graph spelled out, so the kernel harness can build it from commits that predate gptSmall()
      case "gpt-small" -> new BenchModel(name, Models.gptTiny(64, 384, 6, 6, 0.0), BuiltInData.fortunes(64, 1_600_000), 4,
          16, "sequence 64, width 384, 6 heads, 6 layers, 10.7M parameters");
      case "resnet-small" -> new BenchModel(name, Models.resnetSmall(), BuiltInData.fashionMnist(6000), 4, 16,
          "conv-bn-relu stem of width 8, two residual blocks, 28x28 Fashion-MNIST images");
      default -> throw new IllegalArgumentException("--model must be gpt-wide, gpt-tiny, gpt-small or resnet-small, got '" + name + "'");
    };
  }

  /**
   * The model with its samples per step split into {@code --micro-batches} micro-batches instead of its default: as
   * many samples per step, fewer per micro-batch, so the pipeline's fill and drain take a smaller share of a step.
   * Samples are drawn per (step, micro-batch), so a different split trains on different samples: compare settings
   * only within one run.
   */
  static BenchModel model(String name, Integer microBatches) throws IOException {
    BenchModel bm = model(name);
    if (microBatches == null) {
      return bm;
    }
    int samples = bm.micro() * bm.batch();
    int micro = microBatches;
    if (micro < 1 || samples % micro != 0) {
      throw new IllegalArgumentException("--micro-batches must divide the " + samples + " samples per step of "
          + name + ", got " + micro);
    }
    return new BenchModel(name, bm.graph(), bm.samples(), micro, samples / micro, bm.shape());
  }

  /** The benchmark's command line (the project's one grammar: org.sparkfusion.common.cli). */
  @Command(name = "dagtrain-bench", sortOptions = false,
      description = "The dagtrain benchmark (dev/bench-dagtrain.sh): settings (a)-(e) side by side, in process or on the testbed")
  static final class Options {
    @Mixin StandardOptions standard;

    @Option(names = "--out", paramLabel = "<file>", description = "report to write (default: ${DEFAULT-VALUE})")
    Path out = Path.of("docs/benchmarks/dagtrain.md");

    @Option(names = "--img", paramLabel = "<dir>", description = "plot directory (default: ${DEFAULT-VALUE})")
    Path img = Path.of("docs/benchmarks/img");

    @Option(names = "--steps", paramLabel = "<N>", description = "training steps per setting (default: ${DEFAULT-VALUE})")
    int steps = 30;

    @Option(names = "--profiles", split = ",", paramLabel = "<rate,...>",
        description = "slowest-link rates, or none (in process: only the overhead section) (default: 8mbit,100mbit,1gbit)")
    List<String> profiles = List.of("8mbit", "100mbit", "1gbit");

    @Option(names = "--command", paramLabel = "<text>", description = "command recorded in the report")
    String command = "dev/bench-dagtrain.sh";

    @Option(names = "--min-fraction", paramLabel = "<f>", description = "AdaTopK minimum kept fraction (default: ${DEFAULT-VALUE})")
    double minFraction = DagTrainConfig.MIN_FRACTION.defaultValue();

    @Option(names = "--gradient-feedback", arity = "1", paramLabel = "true|false",
        description = "AdaTopK error feedback on gradients (default: ${DEFAULT-VALUE})")
    boolean gradientFeedback = true;

    @Option(names = "--model", split = ",", paramLabel = "gpt-wide|gpt-tiny|gpt-small|resnet-small,...",
        description = "models (default: gpt-wide,resnet-small)")
    List<String> models = List.of("gpt-wide", "resnet-small");

    @Option(names = "--micro-batches", paramLabel = "<M>", description = "micro-batches per step instead of the model's")
    Integer microBatches;

    @Option(names = "--schedules", paramLabel = "<M>", description = "only GPipe vs 1F1B with M micro-batches")
    Integer schedules;

    @Option(names = "--equivalence", arity = "1", paramLabel = "true|false",
        description = "only one process vs a 2-stage pipeline, loss per step")
    boolean equivalence;

    @Option(names = "--master", paramLabel = "<url>", description = "testbed mode on this Spark master")
    String master;

    @Option(names = "--site-memory", paramLabel = "<f>",
        description = "each site's memory budget as a fraction of the whole model's (default: ${DEFAULT-VALUE})")
    double siteMemory = 0.45;

    @Option(names = "--settings", paramLabel = "a,b,...", description = "settings to run (default: ${DEFAULT-VALUE})")
    String settings = "a,b,c,d,e";

    @Option(names = "--overhead", arity = "1", paramLabel = "true|false",
        description = "also measure the one-process overhead section (default: ${DEFAULT-VALUE})")
    boolean overhead = true;

    @Option(names = "--driver-host", paramLabel = "<ip>", description = "testbed driver address (default: ${DEFAULT-VALUE})")
    String driverHost = "10.77.0.1";

    @Option(names = "--title", paramLabel = "<text>", description = "testbed section title")
    String title;
  }

  public static void main(String[] args) {
    Cli.main(new Options(), args, DagTrainBench::run);
  }

  static void run(Options a) throws Exception {
    Path out = a.out;
    Path img = a.img;
    int steps = a.steps;
    // "none": in process, only the overhead section (pipeline vs one process on fast links)
    String[] profiles = a.profiles.equals(List.of("none")) ? new String[0] : a.profiles.toArray(new String[0]);
    String command = a.command;
    double minFraction = a.minFraction;
    gradientFeedback = a.gradientFeedback;
    Files.createDirectories(img);
    String[] modelNames = a.models.toArray(new String[0]);
    if (a.schedules != null) {
      schedules(model(modelNames[0], a.microBatches), steps, a.schedules, out, command);
      return;
    }
    if (a.equivalence) {
      equivalence(model(modelNames[0], a.microBatches), steps, out, command);
      return;
    }
    if (a.master != null) {
      testbed(a, model(modelNames[0], a.microBatches), steps, profiles, out, img, command, minFraction);
      return;
    }
    StringBuilder md = new StringBuilder();
    md.append("# dagtrain benchmark\n\n");
    md.append("Reproduce: `dev/bench-dagtrain.sh --steps 30` (in-process section) and, on a running testbed (as root:")
        .append(" `SPARKFUSION_RUNTIME=<spark runtime with jars/> dev/testbed.sh up`), `dev/bench-dagtrain.sh --master")
        .append(" spark://10.77.0.1:7177 --steps 15` (testbed section, appended).\n\n");
    md.append("Generated by `").append(command).append("` on ").append(machine()).append(String.format(Locale.ROOT,
        ", load average at start %.1f.%n%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            .getSystemLoadAverage()));
    md.append("Three sites: site0-site1 at 1 Gbit/s, site2 reached from both at")
        .append(" the 'slowest link' rate. Settings (a)-(d) must use all three sites: planner.minStages=3 and each site's")
        .append(" memory budget is the larger of 45% of what the whole model needs (parameters, gradients, Adam state,")
        .append(" in-flight activations) and the even split's largest stage, so no site can hold most of the model; (e) lets OP-Fence choose 1-3 stages with")
        .append(" unlimited memory. AdaTopK: kept fraction per link from the link's bandwidth (the least compression that")
        .append(" brings the link's time under the slowest stage's),")
        .append(String.format(Locale.ROOT, " at least %.2f for activations; gradients keep twice that, with error feedback%s.",
            minFraction, gradientFeedback ? "" : " OFF in this run"))
        .append(" Time to loss = first wall-clock time the 5-step moving average of the loss reaches the target (the final")
        .append(" 5-step average of (a), +2%).\n\n");
    md.append("**Links are emulated by the transport's per-link rate limiter** between stages running as threads of one JVM on")
        .append(" this 2-core machine (no propagation delay; three stages share two cores). 'compute s/step' is each stage's own")
        .append(" measured forward+backward+optimizer time per step (wall clock on its thread, without waiting for peers, so it")
        .append(" includes time lost to other threads and processes on the two cores); 'link s/step' is the planned transfer")
        .append(" time per step of each link.\n\n");
    BenchModel firstModel = null;
    double[] firstTimes = null;
    for (String modelName : modelNames) {
    BenchModel bm = model(modelName, a.microBatches);
    Graph graph = bm.graph();
    int micro = bm.micro();
    int batch = bm.batch();
    double[] times = WorkloadEstimator.calibrate(graph, batch, 5, 1);
    if (firstModel == null) {
      firstModel = bm;
      firstTimes = times;
    }
    long modelMemory = WorkloadEstimator.stageMemoryBytes(graph, 0, graph.size(), micro, batch);
    long siteMemory = Math.round(modelMemory * a.siteMemory);
    int[] evenCuts = Partition.even(graph, 3);
    for (int st = 0; st < 3; st++) {
      // the even baseline must fit, so a site offers at least what its largest even stage needs
      siteMemory = Math.max(siteMemory, WorkloadEstimator.stageMemoryBytes(graph, evenCuts[st], evenCuts[st + 1], micro, batch));
    }
    List<Setting> all = List.of(new Setting("(a) even, none", "even", "none", 3),
        new Setting("(b) OP-Fence, none", "opfence", "none", 3),
        new Setting("(c) OP-Fence + Top-K 10%", "opfence", "topk:0.1", 3),
        new Setting("(d) OP-Fence + AdaTopK", "opfence", "adatopk", 3),
        new Setting("(e) OP-Fence free (1..3 stages), AdaTopK", "opfence", "adatopk", 1));
    List<Setting> settings = new ArrayList<>();
    String only = a.settings;
    for (Setting s : all) {
      if (only.contains(s.label().substring(1, 2))) {
        settings.add(s);
      }
    }
    long minCut = Long.MAX_VALUE;
    long maxCut = 0;
    for (int b = Partition.firstCut(graph) + 1; b < graph.size(); b++) {
      long f = Partition.liveElements(graph, b)[0];
      minCut = Math.min(minCut, f);
      maxCut = Math.max(maxCut, f);
    }
    Plan evenPlan = Planner.even(new CostModel(graph, ClusterProfile.uniform(3, 1e9, 1e-4, 1L << 40), times, micro, batch,
        new Compression.None(), minFraction), 3);
    md.append("# Model ").append(bm.name()).append("\n\n");
    md.append(bm.name()).append(" (").append(bm.shape()).append("; ").append(graph.parameterCount())
        .append(" parameters, ").append(graph.size()).append(" ops), ").append(steps)
        .append(" steps of ").append(micro).append(" micro-batches x ").append(batch).append(" samples, Adam 0.003, seed 1.")
        .append(String.format(Locale.ROOT, " Per micro-batch, a cut carries between %.0f KB and %.0f KB of fp32 activations"
            + " forward (and as many gradient bytes back); the even split's cuts carry %.0f KB and %.0f KB, i.e. %.2f MB"
            + " per step both ways over both links. Calibrated compute (forward+backward, one micro-batch, one thread,"
            + " best of 5): %.0f ms for the whole model, per even stage %s ms. At 8 Mbit/s the even split's site1-site2 cut"
            + " takes %.0f ms per micro-batch both ways. Site memory budget: %.0f%% (%.1f of %.1f MB).%n%n",
            4.0 * minCut * batch / 1e3, 4.0 * maxCut * batch / 1e3,
            4.0 * Partition.liveElements(graph, evenPlan.boundaries()[1])[0] * batch / 1e3,
            4.0 * Partition.liveElements(graph, evenPlan.boundaries()[2])[0] * batch / 1e3,
            8.0 * (Partition.liveElements(graph, evenPlan.boundaries()[1])[0]
                + Partition.liveElements(graph, evenPlan.boundaries()[2])[0]) * batch * micro / 1e6,
            sum(times) * 1e3, stageTimes(evenPlan),
            8.0 * Partition.liveElements(graph, evenPlan.boundaries()[2])[0] * batch / 1e6 * 1e3,
            100.0 * siteMemory / modelMemory, siteMemory / 1e6, modelMemory / 1e6));
    for (String profile : profiles) {
      double slow = RateLimiter.parseBitsPerSecond(profile) * 8;
      ClusterProfile cluster = ClusterProfile.uniform(3, 1e9, 1e-4, siteMemory).withLink(0, 2, slow, 1e-4)
          .withLink(1, 2, slow, 1e-4);
      ClusterProfile roomy = ClusterProfile.uniform(3, 1e9, 1e-4, 1L << 40).withLink(0, 2, slow, 1e-4)
          .withLink(1, 2, slow, 1e-4);
      Map<String, TrainingReport> reports = new LinkedHashMap<>();
      Map<String, Plan> plans = new LinkedHashMap<>();
      Map<String, double[]> computes = new LinkedHashMap<>();
      for (Setting s : settings) {
        ClusterProfile c = s.minStages() == 3 ? cluster : roomy;
        CostModel m = new CostModel(graph, c, times, micro, batch, s.compression(), minFraction, Schedule.GPIPE);
        Plan plan = s.planner() == PlannerChoice.EVEN ? Planner.even(m, 3) : Planner.opFence(m, s.minStages(), 3, 0);
        plans.put(s.label(), plan);
        System.out.println("== " + profile + " " + s.label() + "\n" + plan.explain());
        Run r = run(bm, plan, c, s, steps, false);
        reports.put(s.label(), r.report());
        computes.put(s.label(), r.stageCompute());
        System.out.println(r.report() + " compute/step " + java.util.Arrays.toString(r.stageCompute()));
      }
      md.append("## ").append(bm.name()).append(", slowest link ").append(profile).append("\n\n");
      Setting baseSetting = settings.get(0);
      TrainingReport base = reports.get(baseSetting.label());
      double baseFin = finalLoss(base);
      double target = baseFin * 1.02;
      double baseTime = timeTo(base, target);
      md.append(String.format(Locale.ROOT, "Target loss %.4f.%n%n", target));
      md.append("| setting | stages (sites) | kept fraction on links | compute s/step per stage | link s/step (planned) |"
          + " step time (s) | throughput (samples/s) | time to target (s) | speed-up vs (a) | final loss (5-step avg) | vs (a) |"
          + " bytes on links |\n");
      md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (Setting s : settings) {
        TrainingReport r = reports.get(s.label());
        Plan p = plans.get(s.label());
        double t = timeTo(r, target);
        double fin = finalLoss(r);
        long bytes = r.links().stream().mapToLong(TrainingReport.Link::bytes).sum();
        String kept = keptFractions(p);
        StringBuilder linkT = new StringBuilder();
        for (Plan.LinkPlan l : p.links) {
          linkT.append(String.format(Locale.ROOT, "%s%.2f", linkT.length() == 0 ? "" : ", ", l.seconds() * micro));
        }
        StringBuilder comp = new StringBuilder();
        for (double c : computes.get(s.label())) {
          comp.append(String.format(Locale.ROOT, "%s%.2f", comp.length() == 0 ? "" : ", ", c / steps));
        }
        md.append(String.format(Locale.ROOT, "| %s | %d (%s) | %s | %s | %s | %.2f | %.1f | %s | %s | %.4f | %+.1f%% | %.1f MB |%n",
            s.label(), p.stageCount(), sites(p), kept.isEmpty() ? "-" : kept, comp, linkT.length() == 0 ? "-" : linkT,
            stepSeconds(r), r.throughput(),
            Double.isNaN(t) ? "not reached" : String.format(Locale.ROOT, "%.1f", t),
            Double.isNaN(t) || Double.isNaN(baseTime) ? "-" : String.format(Locale.ROOT, "%.2fx", baseTime / t), fin,
            100 * (fin - baseFin) / baseFin, bytes / 1e6));
      }
      String name = "dagtrain-loss-" + bm.name() + "-" + profile + ".png";
      plot(reports, bm.name() + ", slowest link " + profile, img.resolve(name));
      md.append("\n![loss vs wall time, ").append(profile).append("](img/").append(name).append(")\n\n");
      for (Setting s : settings) {
        if (s.label().startsWith("(d)")) {
          String sched = "dagtrain-schedule-" + bm.name() + "-" + profile + ".png";
          plans.get(s.label()).writeSchedulePng(img.resolve(sched));
          md.append("Predicted schedule of (d): ![schedule](img/").append(sched).append(")\n\n");
        }
      }
      Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
    }
    }
    if (!a.overhead) {
      System.out.println("wrote " + out);
      return;
    }
    // Overhead: pipeline over two stages on fast links vs one process.
    BenchModel bm = firstModel;
    Graph graph = bm.graph();
    int micro = bm.micro();
    int batch = bm.batch();
    double[] times = firstTimes;
    md.append("# Overhead on fast links (").append(bm.name()).append(")\n\n");
    ClusterProfile fast = ClusterProfile.uniform(2, 10e9, 1e-5, 1L << 32);
    Setting one = new Setting("one process", "even", "none", 1);
    Setting two = new Setting("2-stage pipeline (even), 10 Gbit/s", "even", "none", 2);
    Setting twoOp = new Setting("2-stage pipeline (OP-Fence cuts), 10 Gbit/s", "opfence", "none", 2);
    CostModel m1 = new CostModel(graph, ClusterProfile.uniform(1, 10e9, 1e-5, 1L << 32), times, micro, batch, new Compression.None(), 0.1);
    CostModel m2 = new CostModel(graph, fast, times, micro, batch, new Compression.None(), 0.1);
    Run r1 = run(bm, Planner.even(m1, 1), fast, one, steps, false);
    Run r2 = run(bm, Planner.even(m2, 2), fast, two, steps, false);
    Run r3 = run(bm, Planner.opFence(m2, 2, 2, 0), fast, twoOp, steps, false);
    Plan chosen = Planner.opFence(m2, 1, 2, 0);
    md.append("| run | compute s/step per stage | step time (s) | throughput (samples/s) | final loss |\n"
        + "|---|---|---|---|---|\n");
    for (Run r : List.of(r1, r2, r3)) {
      StringBuilder comp = new StringBuilder();
      for (double c : r.stageCompute()) {
        comp.append(String.format(Locale.ROOT, "%s%.2f", comp.length() == 0 ? "" : ", ", c / steps));
      }
      md.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.1f | %.4f |%n", r == r1 ? one.label() : r == r2 ? two.label()
          : twoOp.label(), comp, r.report().seconds() / steps, r.report().throughput(), r.report().finalLoss()));
    }
    md.append(String.format(Locale.ROOT, "%nPipeline (even) / one process step-time ratio: %.2f; pipeline (OP-Fence cuts) /"
        + " one process: %.2f (both stages on the same 2 cores). OP-Fence on these links, free to choose, picks %d stage(s),"
        + " predicted %.1f ms/step vs %.1f ms for one process.%n",
        r2.report().seconds() / r1.report().seconds(), r3.report().seconds() / r1.report().seconds(), chosen.stageCount(),
        chosen.predictedStepSeconds() * 1e3, chosen.predictedSingleProcessSeconds() * 1e3));
    md.append(String.format(Locale.ROOT, "%nSame seed and data order: final loss one process %.6f, pipeline %.6f"
        + " (compression off, so they must match).%n", r1.report().finalLoss(), r2.report().finalLoss()));
    Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  /**
   * Schedule mode ({@code --schedules M}): the model on three in-process stages (even cuts) joined by 10 Gbit/s links,
   * GPipe and 1F1B with M micro-batches, run alternately (GPipe, 1F1B, GPipe, 1F1B) so both see the same machine load.
   * Writes (or replaces) the section "# GPipe vs 1F1B" of the report, leaving the rest of the file as it is.
   */
  static void schedules(BenchModel bm, int steps, int micro, Path out, String command) throws Exception {
    Graph graph = bm.graph();
    double[] times = WorkloadEstimator.calibrate(graph, bm.batch(), 3, 1);
    ClusterProfile fast = ClusterProfile.uniform(3, 10e9, 1e-5, 1L << 40);
    Plan plan = Planner.even(new CostModel(graph, fast, times, micro, bm.batch(), new Compression.None(), 0.1), 3);
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    Setting none = new Setting("even, none", "even", "none", 3);
    Map<Schedule, List<Run>> runs = new LinkedHashMap<>();
    for (int rep = 0; rep < 2; rep++) {
      for (Schedule sch : Schedule.values()) {
        runs.computeIfAbsent(sch, k -> new ArrayList<>()).add(run(bm, plan, fast, none, steps, false, micro, sch));
        System.out.println("schedules: " + sch.label + " repetition " + rep + " done");
      }
    }
    double loadEnd = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    StringBuilder md = new StringBuilder();
    md.append("# GPipe vs 1F1B\n\n");
    md.append("Generated by `").append(command).append("` on ").append(machine()).append(String.format(Locale.ROOT,
        ", load average %.1f at start and %.1f at the end (other engineers' jobs share the 2 cores).%n%n", load, loadEnd));
    md.append(String.format(Locale.ROOT, "%s (%s), three in-process stages on the even cuts (%s), 10 Gbit/s emulated links,"
        + " %d micro-batches of %d, Adam 0.003, seed 1, %d steps per run; the two schedules ran alternately, twice each"
        + " (GPipe, 1F1B, GPipe, 1F1B). Step time = wall time / steps (mean of the two runs). Peak held = most"
        + " micro-batches a stage held at once (forward done, backward not yet); peak activation memory = the most"
        + " bytes of node outputs and op caches those micro-batches held (measured by the stage runner, per stage).%n%n",
        bm.name(), bm.shape(), stageTimes(plan) + " ms predicted compute per micro-batch", micro, bm.batch(), steps));
    md.append("| schedule | step time (s), runs | peak held per stage | peak activation memory per stage (MB) | final loss |\n"
        + "|---|---|---|---|---|\n");
    Map<Schedule, Double> meanStep = new LinkedHashMap<>();
    for (Map.Entry<Schedule, List<Run>> e : runs.entrySet()) {
      List<Run> rs = e.getValue();
      double a0 = rs.get(0).report().seconds() / steps;
      double a1 = rs.get(1).report().seconds() / steps;
      meanStep.put(e.getKey(), (a0 + a1) / 2);
      Run r = rs.get(0);
      StringBuilder mem = new StringBuilder();
      for (long b : r.peakInFlightBytes()) {
        mem.append(mem.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", b / 1e6));
      }
      md.append(String.format(Locale.ROOT, "| %s | %.2f, %.2f | %s | %s | %.6f |%n", e.getKey() == Schedule.GPIPE ? "GPipe"
          : "1F1B", a0, a1, java.util.Arrays.toString(r.peakInFlight()), mem, r.report().finalLoss()));
    }
    Run g = runs.get(Schedule.GPIPE).get(0);
    Run f = runs.get(Schedule.ONE_F_ONE_B).get(0);
    md.append(String.format(Locale.ROOT, "%n1F1B / GPipe step time: %.2f; peak activation memory of stage 0: %.2f of"
        + " GPipe's. Losses per step of the two schedules differ by at most %.2e relative (same gradients, summed in"
        + " another order).%n", meanStep.get(Schedule.ONE_F_ONE_B) / meanStep.get(Schedule.GPIPE),
        (double) f.peakInFlightBytes()[0] / g.peakInFlightBytes()[0], maxRelDiff(g.report().losses(), f.report().losses())));
    replaceSection(out, "# GPipe vs 1F1B", md);
  }

  /** Writes (or replaces) the section starting with the heading line {@code title}, leaving the rest as it is. */
  static void replaceSection(Path out, String title, CharSequence md) throws IOException {
    String old = Files.exists(out) ? Files.readString(out) : "# dagtrain benchmark\n\n";
    int at = old.indexOf("\n" + title + "\n");
    String result;
    if (at >= 0) {
      int next = old.indexOf("\n# ", at + 1);
      result = old.substring(0, at + 1) + md + (next >= 0 ? "\n" + old.substring(next + 1) : "");
    } else {
      result = old + (old.endsWith("\n") ? "\n" : "\n\n") + md;
    }
    Files.writeString(out, result, StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  /**
   * Equivalence mode ({@code --equivalence true}): the model in one process and as a 2-stage pipeline on the even
   * cuts, compression off, same seed and data; writes (or replaces) the section "# Pipeline vs one process, step
   * for step" with the relative loss difference per step.
   */
  static void equivalence(BenchModel bm, int steps, Path out, String command) throws Exception {
    Graph graph = bm.graph();
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    TrainOptions o = new TrainOptions(steps, bm.micro(), bm.batch(), "adam", 0.003, 1, 600_000, 0);
    TrainResult one = InProcessPipeline.train(graph, new int[] {0, graph.size()}, o,
        new SampleSource(graph, bm.samples(), bm.batch(), 1), List.of(), null);
    int[] cuts = Partition.even(graph, 2);
    TrainResult two = InProcessPipeline.train(graph, cuts, o, new SampleSource(graph, bm.samples(), bm.batch(), 1),
        List.of(LinkCompression.none()), null);
    StringBuilder md = new StringBuilder();
    md.append("# Pipeline vs one process, step for step\n\n");
    md.append("Generated by `").append(command).append("` on ").append(machine()).append(String.format(Locale.ROOT,
        ", load average %.1f at start.%n%n", load));
    md.append(String.format(Locale.ROOT, "%s (%s): one process against a 2-stage in-process pipeline on the even cuts"
        + " %s, compression none, %d micro-batches of %d, Adam 0.003, seed 1, %d steps. Every float edge holds float32"
        + " in both runs (see docs/dagtrain.md, Remote automatic differentiation), so they must agree exactly.%n%n",
        bm.name(), bm.shape(), java.util.Arrays.toString(cuts), bm.micro(), bm.batch(), steps));
    md.append("| step | loss, one process | loss, pipeline | relative difference |\n|---|---|---|---|\n");
    int identical = 0;
    for (int s = 0; s < steps; s++) {
      double a = one.losses().get(s);
      double b = two.losses().get(s);
      identical += a == b ? 1 : 0;
      if (s % 5 == 4 || s == 0 || s == steps - 1) {
        md.append(String.format(Locale.ROOT, "| %d | %.9f | %.9f | %.1e |%n", s, a, b, Math.abs(a - b) / Math.abs(a)));
      }
    }
    md.append(String.format(Locale.ROOT, "%nLargest relative difference over all %d steps: %.1e; steps with identical"
        + " losses: %d of %d.%n", steps, maxRelDiff(one.losses(), two.losses()), identical, steps));
    replaceSection(out, "# Pipeline vs one process, step for step", md);
  }

  static double maxRelDiff(List<Double> a, List<Double> b) {
    double m = 0;
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      m = Math.max(m, Math.abs(a.get(i) - b.get(i)) / Math.max(1e-300, Math.abs(a.get(i))));
    }
    return m;
  }

  static String stageTimes(Plan p) {
    StringBuilder sb = new StringBuilder();
    for (Plan.StagePlan st : p.stages) {
      sb.append(sb.length() == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.0f", st.seconds() * 1e3));
    }
    return sb.toString();
  }

  static double sum(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s;
  }

  /**
   * Testbed mode: one Spark application on the namespace testbed ({@code --master}), links re-shaped with
   * {@code dev/testbed.sh shape} between profiles, every setting trained with {@link DagTrainer#fit} (barrier tasks,
   * Netty, links measured at start). Appends a section to the report.
   */
  static void testbed(Options a, BenchModel bm, int steps, String[] profiles, Path out, Path img,
      String command, double minFraction) throws Exception {
    Graph graph = bm.graph();
    int micro = bm.micro();
    int batch = bm.batch();
    String driverHost = a.driverHost;
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master(a.master)
        .appName("dagtrain-bench").config("spark.driver.host", driverHost).config("spark.driver.bindAddress", driverHost)
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator")
        .config("spark.ui.enabled", "false").config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s")
        .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "60")
        .config(DagTrainConfig.MIN_STAGES.key(), "3").config(DagTrainConfig.PROBE_KB.key(), "256")
        .config(DagTrainConfig.MIN_FRACTION.key(), Double.toString(minFraction)).getOrCreate();
    StringBuilder md = new StringBuilder(Files.exists(out) ? Files.readString(out) : "# dagtrain benchmark\n\n");
    Path cpuFile = Path.of(System.getenv().getOrDefault("SPARKFUSION_TESTBED_DIR", "/tmp/sparkfusion-testbed"), "cpus");
    siteCpus = Files.exists(cpuFile) ? Files.readString(cpuFile).trim() : "";
    String title = a.title != null ? a.title : (siteCpus.isEmpty() ? "On the namespace testbed"
        : "On the namespace testbed, sites with CPU " + siteCpus.replace(",", "/") + " cores");
    md.append("\n# ").append(title).append("\n\n");
    md.append("Generated by `").append(command).append("` on ").append(machine()).append(": `dev/testbed.sh` with three")
        .append(" namespace sites, one Spark Worker (1 core) each, site0-site1 at 1 Gbit/s and site2 reached from both at the")
        .append(" slowest-link rate (tc htb; this kernel has no netem, so no added delay). One Spark application, links")
        .append(" re-shaped between profiles; every run is a real `DagTrainer.fit`: barrier tasks, Netty, links and op times")
        .append(" measured at start. ").append(steps).append(" steps; (a)-(d) use all three sites (planner.minStages=3); (e) lets OP-Fence choose 1-3 stages.")
        .append(siteCpus.isEmpty() ? " The three sites share this machine's 2 cores (no per-site CPU limit)."
            : " Each site's Worker and its executor run in a CPU cgroup capped at " + siteCpus.replace(",", "/")
            + " cores for site0/site1/site2 (`dev/testbed.sh up --cpus " + siteCpus + "`), so sites compute at different"
            + " speeds; the planner sees that through its start-up measurement (a sustained whole-model pass per executor),"
            + " the even split does not look.").append(String.format(Locale.ROOT,
                " Load average at start %.1f.", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage())).append(" Model ").append(bm.name()).append(" (").append(bm.shape())
        .append(String.format(Locale.ROOT, "), %d micro-batches x %d, AdaTopK min fraction %.2f.%n%n", micro, batch, minFraction));
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> data = DagTrainJob.toDataFrame(spark, graph, bm.samples()).cache();
    data.count();
    List<Setting> settings = new ArrayList<>();
    String only = a.settings;
    for (Setting s : List.of(new Setting("(a) even, none", "even", "none", 3),
        new Setting("(b) OP-Fence, none", "opfence", "none", 3),
        new Setting("(c) OP-Fence + Top-K 10%", "opfence", "topk:0.1", 3),
        new Setting("(d) OP-Fence + AdaTopK", "opfence", "adatopk", 3),
        new Setting("(e) OP-Fence free (1..3 stages), AdaTopK", "opfence", "adatopk", 1),
        // the overhead pair: the whole model in one process on a full site, and the even 2-stage pipeline over both
        // full sites (their link is 1 Gbit/s in every profile)
        new Setting("(f) one process, site0", "even", "none", 1, new String[] {"10.77.0.10"}),
        new Setting("(g) even 2-stage pipeline, sites 0-1", "even", "none", 2, new String[] {"10.77.0.10", "10.77.0.11"}))) {
      if (!only.contains(s.label().substring(1, 2))) {
        continue;
      }
      if (s.label().startsWith("(a)")) {
        // the even split does not look at the sites, so its placement is arbitrary: run it in the three rotations
        // of the site order (each site holds each stage once, the slow site2 is first, middle and last once)
        for (int[] order : new int[][] {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}}) {
          String[] hosts = new String[3];
          for (int k = 0; k < 3; k++) {
            hosts[k] = "10.77.0." + (10 + order[k]);
          }
          settings.add(new Setting(s.label() + ", sites " + order[0] + "-" + order[1] + "-" + order[2], "even", "none",
              3, hosts));
        }
      } else {
        settings.add(s);
      }
    }
    try {
      for (String profile : profiles) {
        Process p = new ProcessBuilder("dev/testbed.sh", "shape", "--links", "0-1:1gbit,0-2:" + profile + ",1-2:" + profile)
            .inheritIO().start();
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("dev/testbed.sh shape failed for " + profile);
        }
        Map<String, TrainingReport> reports = new LinkedHashMap<>();
        Map<String, Plan> plans = new LinkedHashMap<>();
        for (Setting s : runOrder(settings)) {
          spark.conf().set(DagTrainConfig.MIN_STAGES.key(), Integer.toString(s.minStages()));
          TrainingReport r = new DagTrainer(graph).name(bm.name()).stages(3).planner(s.planner()).compression(s.compression())
              .evenHosts(s.evenHosts()).steps(steps).microBatches(micro).microBatchSize(batch).seed(1).fit(data).summary();
          System.out.println("== testbed " + profile + " " + s.label() + ": " + r);
          reports.put(s.label(), r);
          plans.put(s.label(), Plan.fromJson(r.planJson(), graph));
        }
        md.append("## Testbed, slowest link ").append(profile).append("\n\n");
        table(md, settings, reports, plans);
        stageTable(md, settings, reports);
        overheadLine(md, reports);
        String name = "dagtrain-testbed" + (siteCpus.isEmpty() ? "" : "-cpus") + "-loss-" + profile + ".png";
        plot(reports, bm.name() + " on the namespace testbed, slowest link " + profile, img.resolve(name));
        md.append("\n![loss vs wall time, testbed ").append(profile).append("](img/").append(name).append(")\n\n");
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
      }
    } finally {
      spark.stop();
    }
    System.out.println("wrote " + out);
  }

  /**
   * The settings in the order they run on the testbed: fixed lossy compression last. The executor JVMs are reused
   * from one setting to the next. When (d) ran right after (c), (d), whose AdaTopK kept every link dense and so ran
   * exactly (b)'s code, measured 1.04-1.47x (b)'s step in all five profiles of two runs; (c)'s steps showed 0.1-0.9 s
   * of JIT compilation each, so the likely cause is the reused JVMs recompiling the dense path after (c)'s Top-K code.
   * Tables keep the label order.
   */
  static List<Setting> runOrder(List<Setting> settings) {
    List<Setting> order = new ArrayList<>();
    List<Setting> lossy = new ArrayList<>();
    for (Setting s : settings) {
      (s.compression() instanceof Compression.None || s.compression().adaptive() ? order : lossy).add(s);
    }
    order.addAll(lossy);
    return order;
  }

  /** Per-site CPU caps of the running testbed ("" when unlimited), for the report. */
  static String siteCpus = "";

  /** "task-1@10.77.0.12" -> "site2 (0.25 cpu)" on the testbed; other names unchanged. */
  static String siteOf(String executor) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("@10\\.77\\.0\\.(\\d+)$").matcher(executor);
    if (!m.find()) {
      return executor;
    }
    int site = Integer.parseInt(m.group(1)) - 10;
    String[] c = siteCpus.isEmpty() ? new String[0] : siteCpus.split(",");
    return "site" + site + (site >= 0 && site < c.length ? " (" + c[site] + " cpu)" : "");
  }

  static void table(StringBuilder md, List<Setting> settings, Map<String, TrainingReport> reports, Map<String, Plan> plans) {
    List<String> base = new ArrayList<>();
    for (Setting s : settings) {
      if (s.label().startsWith("(a)")) {
        base.add(s.label());
      }
    }
    double baseFin = finalLoss(reports.get(base.isEmpty() ? settings.get(0).label() : base.get(0)));
    double target = baseFin * 1.02;
    double meanBase = 0;
    double bestBase = Double.POSITIVE_INFINITY;
    for (String b : base) {
      double t = timeTo(reports.get(b), target);
      meanBase += t / base.size();
      bestBase = Math.min(bestBase, t);
    }
    md.append(String.format(Locale.ROOT, "Target loss %.4f. (a) runs in all three rotations of the site order; speed-ups are"
        + " against the mean of their times to target (%.1f s; the expected time of an even split placed without looking at"
        + " the sites) and against the best rotation (%.1f s).%n%n", target, meanBase, bestBase));
    md.append("| setting | stages on | measured link Mbit/s | kept fraction (act/grad) | predicted step (s) | step time (s) |"
        + " throughput (samples/s) | time to target (s) | speed-up vs mean (a) | vs best (a) | final loss (5-step avg) | vs (a) |"
        + " bytes on links |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Setting s : settings) {
      TrainingReport r = reports.get(s.label());
      Plan p = plans.get(s.label());
      double t = timeTo(r, target);
      double fin = finalLoss(r);
      long bytes = r.links().stream().mapToLong(TrainingReport.Link::bytes).sum();
      String kept = keptFractions(p);
      StringBuilder bw = new StringBuilder();
      for (Plan.LinkPlan l : p.links) {
        bw.append(String.format(Locale.ROOT, "%s%.0f", bw.length() == 0 ? "" : ", ", l.bytesPerSecond() * 8 / 1e6));
      }
      StringBuilder on = new StringBuilder();
      for (Plan.StagePlan st : p.stages) {
        on.append(on.length() == 0 ? "" : ", ").append(siteOf(st.executorName()));
      }
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.2f | %.1f | %s | %s | %s | %.4f | %+.1f%% | %.1f MB |%n",
          s.label(), on, bw.length() == 0 ? "-" : bw, kept.isEmpty() ? "-" : kept, p.stepSeconds, stepSeconds(r),
          r.throughput(), Double.isNaN(t) ? "not reached" : String.format(Locale.ROOT, "%.1f", t),
          ratio(meanBase, t), ratio(bestBase, t), fin, 100 * (fin - baseFin) / baseFin, bytes / 1e6));
    }
  }

  /**
   * Per stage of every run: the planner's predicted seconds per step (compute + message handling) against what the
   * stage measured per step (mean over the steps after the first): its busy time (wall minus waiting for a neighbour)
   * split into compute, encode and decode, the wait, the stage thread's and the whole executor JVM's CPU time, GC, and
   * the event loop's frame checks.
   */
  static void stageTable(StringBuilder md, List<Setting> settings, Map<String, TrainingReport> reports) {
    md.append("\nPer stage, predicted vs measured (seconds per step, mean of steps 2 to the last; 'busy' = wall minus"
        + " waiting for a neighbour's message; process CPU = the executor JVM's, all threads):\n\n");
    md.append("| setting | stage on | predicted (compute + messages) | busy | compute | encode | decode | wait | thread CPU |"
        + " process CPU | GC | frame checks | first step wall |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Setting s : settings) {
      TrainingReport r = reports.get(s.label());
      for (TrainingReport.StageTiming t : r.stageTiming()) {
        md.append(String.format(Locale.ROOT, "| %s | %d: %s | %.3f (%.3f + %.3f) | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |"
            + " %.3f | %.3f | %.3f | %.2f |%n", s.label(), t.stage(), siteOf(t.executor()), t.predicted(),
            t.predicted() - t.predictedMessages(), t.predictedMessages(), t.wall() - t.waiting(), t.compute(), t.encode(),
            t.decode(), t.waiting(), t.threadCpu(), t.processCpu(), t.gc(), t.frameDecode(), t.firstWall()));
      }
    }
  }

  /** With (f) and (g) in the run: step time of the 2-stage pipeline and of OP-Fence's free choice over one process. */
  static void overheadLine(StringBuilder md, Map<String, TrainingReport> reports) {
    TrainingReport one = null;
    TrainingReport two = null;
    TrainingReport free = null;
    for (Map.Entry<String, TrainingReport> e : reports.entrySet()) {
      if (e.getKey().startsWith("(f)")) {
        one = e.getValue();
      } else if (e.getKey().startsWith("(g)")) {
        two = e.getValue();
      } else if (e.getKey().startsWith("(e)")) {
        free = e.getValue();
      }
    }
    if (one == null || two == null) {
      return;
    }
    md.append(String.format(Locale.ROOT, "%nOverhead: the even 2-stage pipeline over site0 and site1 (g) takes %.2fx the"
        + " step time of one process on site0 (f)", stepSeconds(two) / stepSeconds(one)));
    if (free != null) {
      md.append(String.format(Locale.ROOT, "; OP-Fence free to choose (e) takes %.2fx", stepSeconds(free) / stepSeconds(one)));
    }
    md.append(String.format(Locale.ROOT, ". Final loss (f) %.6f, (g) %.6f (compression off, so they must match).%n",
        one.finalLoss(), two.finalLoss()));
  }

  /** Measured wall-clock seconds per step of a run. */
  static double stepSeconds(TrainingReport r) {
    return r.seconds() / r.losses().size();
  }

  static String ratio(double base, double t) {
    return Double.isNaN(t) || Double.isNaN(base) ? "-" : String.format(Locale.ROOT, "%.2fx", base / t);
  }


  static String sites(Plan p) {
    StringBuilder sb = new StringBuilder();
    for (Plan.StagePlan s : p.stages) {
      sb.append(sb.length() == 0 ? "" : ",").append(s.executor());
    }
    return sb.toString();
  }

  record Run(TrainingReport report, double[] stageCompute, int[] peakInFlight, long[] peakInFlightBytes) { }

  /** AdaTopK's error feedback on gradients (on by default; --gradient-feedback false for an ablation). */
  static boolean gradientFeedback = true;

  static Run run(BenchModel bm, Plan plan, ClusterProfile cluster, Setting s, int steps, boolean activationFeedback)
      throws Exception {
    return run(bm, plan, cluster, s, steps, activationFeedback, bm.micro(), Schedule.GPIPE);
  }

  static Run run(BenchModel bm, Plan plan, ClusterProfile cluster, Setting s, int steps, boolean activationFeedback,
      int micro, Schedule schedule) throws Exception {
    int[] ex = plan.executorsOfStages();
    List<LinkCompression> lcs = new ArrayList<>();
    double[] rates = new double[Math.max(0, ex.length - 1)];
    for (int i = 0; i + 1 < ex.length; i++) {
      Plan.LinkPlan l = plan.links.get(i);
      LinkCompression lc = s.compression().adaptive() ? LinkCompression.adaptive(l.activationFraction(), activationFeedback)
          : LinkCompression.fixed(s.compression(), false);
      if (!gradientFeedback) {
        lc = new LinkCompression(lc.setting(), lc.activations(), lc.gradients(), lc.activationFeedback(), false);
      }
      lcs.add(lc);
      rates[i] = cluster.bandwidth[ex[i]][ex[i + 1]];
    }
    TrainOptions o = new TrainOptions(steps, micro, bm.batch(), "adam", 0.003, 1, 600_000, 0, schedule);
    TrainResult r = InProcessPipeline.train(bm.graph(), plan.boundaries(), o,
        new SampleSource(bm.graph(), bm.samples(), bm.batch(), 1), lcs, rates);
    List<TrainingReport.Link> links = new ArrayList<>();
    for (LinkStat l : r.links()) {
      links.add(new TrainingReport.Link(l.fromExecutor(), l.toExecutor(), l.bytes(), l.keptFraction()));
    }
    return new Run(new TrainingReport(bm.name(), ex.length, s.compression().label(), r.losses(), r.elapsedSeconds(), 0, r.seconds(),
        r.samplesPerSecond(), links, plan.toJson()), r.stageComputeSeconds(), r.peakInFlight(), r.peakInFlightBytes());
  }

  /** The 5-step moving average of the loss at the last step. */
  static double finalLoss(TrainingReport r) {
    return movingAverage(r.losses(), r.losses().size() - 1);
  }

  /** "act/grad" kept fraction per planned link, comma-separated; empty for a one-stage plan. */
  static String keptFractions(Plan p) {
    StringBuilder kept = new StringBuilder();
    for (Plan.LinkPlan l : p.links) {
      kept.append(String.format(Locale.ROOT, "%s%.2f/%.2f", kept.length() == 0 ? "" : ", ", l.activationFraction(),
          l.gradientFraction()));
    }
    return kept.toString();
  }

  static double movingAverage(List<Double> l, int i) {
    int from = Math.max(0, i - 4);
    double s = 0;
    for (int k = from; k <= i; k++) {
      s += l.get(k);
    }
    return s / (i - from + 1);
  }

  static double timeTo(TrainingReport r, double target) {
    for (int i = 4; i < r.losses().size(); i++) {
      if (movingAverage(r.losses(), i) <= target) {
        return r.elapsedSeconds().get(i);
      }
    }
    return Double.NaN;
  }

  static void plot(Map<String, TrainingReport> reports, String title, Path file) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("wall-clock seconds")
        .yAxisTitle("training loss").build();
    for (Map.Entry<String, TrainingReport> e : reports.entrySet()) {
      List<Double> x = e.getValue().elapsedSeconds();
      List<Double> y = e.getValue().losses();
      chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.NONE);
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // keep unknown
    }
    return String.format(Locale.ROOT, "%s, %d cores, Java %s, %s", cpu, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), java.time.Instant.now().toString().substring(0, 16) + " UTC");
  }
}
