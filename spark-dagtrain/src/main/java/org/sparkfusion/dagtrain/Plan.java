package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A pipeline plan: which contiguous piece of the graph runs on which executor, the compression on each link
 * and the predicted times. {@link #explain()} prints it; {@link #toJson()} records it; {@link
 * #writeSchedulePng(Path)} draws the predicted schedule. Stage memory is the peak under the plan's micro-batch
 * schedule (GPipe: all M micro-batches in flight; 1F1B: min(M, S - s) on stage s of S).
 */
public final class Plan {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One stage: nodes [from, to) in topological order on one executor, holding at most {@code held} micro-batches;
   * {@code seconds} per micro-batch is compute plus {@code messageSeconds}, the executor's work on the stage's messages.
   */
  record StagePlan(int index, int from, int to, List<String> nodes, int executor, String executorName, double seconds,
      long memoryBytes, int held, double messageSeconds) { }

  /**
   * One link between consecutive stages, with the fixed setting's kept fractions, or AdaTopK's wire fractions (bytes
   * over fp32's, {@link AdaptiveLadder}).
   */
  record LinkPlan(int fromStage, int toStage, String fromExecutor, String toExecutor, double bytesPerSecond,
      double latencySeconds, long floatsPerSample, double activationFraction, double gradientFraction, double seconds) { }

  final PlannerChoice planner;
  final Compression compression;
  final Schedule schedule;
  final int microBatches;
  final int microBatchSize;
  final List<StagePlan> stages;
  final List<LinkPlan> links;
  final double stepSeconds;
  final double singleProcessSeconds;
  final List<List<Integer>> clusters;
  final String[] executors;

  Plan(PlannerChoice planner, Compression compression, Schedule schedule, int microBatches, int microBatchSize,
      List<StagePlan> stages, List<LinkPlan> links, double stepSeconds, double singleProcessSeconds,
      List<List<Integer>> clusters, String[] executors) {
    this.planner = planner;
    this.compression = compression;
    this.schedule = schedule;
    this.microBatches = microBatches;
    this.microBatchSize = microBatchSize;
    this.stages = List.copyOf(stages);
    this.links = List.copyOf(links);
    this.stepSeconds = stepSeconds;
    this.singleProcessSeconds = singleProcessSeconds;
    this.clusters = clusters;
    this.executors = executors.clone();
  }

  /**
   * Plans {@code graph} on {@code cluster} without running anything, with op times estimated from FLOPs at
   * {@code flopsPerSecond}. {@code planner} is {@code opfence} (stage count chosen between 1 and the number of
   * executors) or {@code even} (one stage per executor); {@code compression} is none, topk:F, randomk:F, int8
   * or adatopk. Memory is checked for the GPipe schedule.
   */
  public static Plan plan(Graph graph, ClusterProfile cluster, String planner, String compression, int microBatches,
      int microBatchSize, double flopsPerSecond) {
    return plan(graph, cluster, planner, compression, microBatches, microBatchSize, flopsPerSecond,
        Schedule.GPIPE.label);
  }

  /** As above, with each stage's memory checked at its peak under {@code schedule} ({@code gpipe} or {@code 1f1b}). */
  public static Plan plan(Graph graph, ClusterProfile cluster, String planner, String compression, int microBatches,
      int microBatchSize, double flopsPerSecond, String schedule) {
    // the text enters here (notebooks, Python, the benchmark's settings): parsed once, typed from here on
    return plan(graph, cluster, PlannerChoice.parse(planner), Compression.parse(compression), microBatches,
        microBatchSize, flopsPerSecond, Schedule.parse(schedule));
  }

  static Plan plan(Graph graph, ClusterProfile cluster, PlannerChoice planner, Compression compression,
      int microBatches, int microBatchSize, double flopsPerSecond, Schedule schedule) {
    CostModel m = new CostModel(graph, cluster, WorkloadEstimator.secondsFromFlops(graph, microBatchSize, flopsPerSecond),
        microBatches, microBatchSize, compression, 0.1, schedule);
    return switch (planner) {
      case OPFENCE -> Planner.opFence(m, 1, cluster.size());
      case EVEN -> Planner.even(m, cluster.size());
    };
  }

  /** Number of pipeline stages. */
  public int stageCount() {
    return stages.size();
  }

  /** Predicted seconds per training step (all micro-batches forward and backward). */
  public double predictedStepSeconds() {
    return stepSeconds;
  }

  /** Predicted seconds per step on the best single executor. */
  public double predictedSingleProcessSeconds() {
    return singleProcessSeconds;
  }

  int[] boundaries() {
    int[] b = new int[stages.size() + 1];
    for (int s = 0; s < stages.size(); s++) {
      b[s] = stages.get(s).from();
      b[s + 1] = stages.get(s).to();
    }
    return b;
  }

  int[] executorsOfStages() {
    return stages.stream().mapToInt(StagePlan::executor).toArray();
  }

  /** A human-readable account of the plan: clusters, stages, links, predicted times. */
  public String explain() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("Plan (%s, compression %s, schedule %s): %d stage(s), %d micro-batches of %d%n", planner.label,
        compression.label(), schedule == Schedule.GPIPE ? "GPipe" : "1F1B", stages.size(), microBatches, microBatchSize));
    sb.append(schedule == Schedule.GPIPE
        ? "  memory per stage: parameters + optimizer state + activations of all micro-batches in flight (GPipe)\n"
        : "  memory per stage: parameters + optimizer state + activations of min(M, S - s) micro-batches on stage s of S"
            + " (1F1B)\n");
    sb.append("  executor clusters by bandwidth: ");
    List<String> cl = new ArrayList<>();
    for (List<Integer> c : clusters) {
      cl.add(c.stream().map(i -> executors[i]).toList().toString());
    }
    sb.append(String.join(" ", cl)).append('\n');
    for (StagePlan s : stages) {
      sb.append(String.format("  stage %d on %-12s nodes %d..%d (%s .. %s, %d ops) %.2f ms/micro-batch (compute %.2f +"
          + " messages %.2f), memory %.1f MB (%d micro-batch(es) held)%n", s.index(), s.executorName(), s.from(),
          s.to() - 1, s.nodes().get(0), s.nodes().get(s.nodes().size() - 1), s.nodes().size(), s.seconds() * 1e3,
          (s.seconds() - s.messageSeconds()) * 1e3, s.messageSeconds() * 1e3, s.memoryBytes() / 1e6, s.held()));
    }
    for (LinkPlan l : links) {
      String kept = compression.adaptive()
          ? String.format("act %s grad %s", AdaptiveLadder.label(l.activationFraction()),
              AdaptiveLadder.label(l.gradientFraction()))
          : String.format("kept act %.3f grad %.3f", l.activationFraction(), l.gradientFraction());
      sb.append(String.format("  link %d->%d %s->%s %.1f Mbit/s, %.1f ms latency, %d floats/sample, %s,"
          + " %.2f ms/micro-batch%n", l.fromStage(), l.toStage(), l.fromExecutor(), l.toExecutor(),
          l.bytesPerSecond() * 8 / 1e6, l.latencySeconds() * 1e3, l.floatsPerSample(), kept, l.seconds() * 1e3));
    }
    sb.append(String.format("  predicted step %.1f ms (single process %.1f ms, speed-up %.2fx)%n", stepSeconds * 1e3,
        singleProcessSeconds * 1e3, singleProcessSeconds / stepSeconds));
    return sb.toString();
  }

  @Override
  public String toString() {
    return explain();
  }

  ObjectNode toJsonNode() {
    ObjectNode root = JSON.createObjectNode();
    root.put("planner", planner.label);
    root.put("compression", compression.label());
    root.put("schedule", schedule.label);
    root.put("micro_batches", microBatches);
    root.put("micro_batch_size", microBatchSize);
    root.put("predicted_step_seconds", stepSeconds);
    root.put("predicted_single_process_seconds", singleProcessSeconds);
    ArrayNode st = root.putArray("stages");
    for (StagePlan s : stages) {
      ObjectNode o = st.addObject();
      o.put("index", s.index());
      o.put("from", s.from());
      o.put("to", s.to());
      o.put("executor", s.executor());
      o.put("executor_name", s.executorName());
      o.put("seconds", s.seconds());
      o.put("message_seconds", s.messageSeconds());
      o.put("memory_bytes", s.memoryBytes());
      o.put("held_micro_batches", s.held());
      ArrayNode names = o.putArray("nodes");
      s.nodes().forEach(names::add);
    }
    ArrayNode ln = root.putArray("links");
    for (LinkPlan l : links) {
      ObjectNode o = ln.addObject();
      o.put("from", l.fromStage());
      o.put("to", l.toStage());
      o.put("from_executor", l.fromExecutor());
      o.put("to_executor", l.toExecutor());
      o.put("bits_per_second", l.bytesPerSecond() * 8);
      o.put("latency_seconds", l.latencySeconds());
      o.put("activation_fraction", l.activationFraction());
      o.put("gradient_fraction", l.gradientFraction());
      if (compression.adaptive()) {
        // AdaTopK's fractions are wire fractions (bytes over fp32's); the encodings they stand for
        o.put("activation_encoding", AdaptiveLadder.label(l.activationFraction()));
        o.put("gradient_encoding", AdaptiveLadder.label(l.gradientFraction()));
      }
      o.put("seconds", l.seconds());
    }
    ArrayNode cl = root.putArray("clusters");
    for (List<Integer> c : clusters) {
      ArrayNode a = cl.addArray();
      c.forEach(a::add);
    }
    return root;
  }

  /** The plan as JSON. */
  public String toJson() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJsonNode());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the placement and link fractions back (for resuming with the plan a checkpoint was made with). */
  static Plan fromJson(String json, Graph graph) throws IOException {
    JsonNode root = JSON.readTree(json);
    List<StagePlan> stages = new ArrayList<>();
    int maxExec = 0;
    for (JsonNode s : root.path("stages")) {
      List<String> names = new ArrayList<>();
      s.path("nodes").forEach(n -> names.add(n.asText()));
      stages.add(new StagePlan(s.path("index").asInt(), s.path("from").asInt(), s.path("to").asInt(), names,
          s.path("executor").asInt(), s.path("executor_name").asText(), s.path("seconds").asDouble(),
          s.path("memory_bytes").asLong(), s.path("held_micro_batches").asInt(root.path("micro_batches").asInt()),
          s.path("message_seconds").asDouble(0)));
      maxExec = Math.max(maxExec, s.path("executor").asInt());
    }
    List<LinkPlan> links = new ArrayList<>();
    for (JsonNode l : root.path("links")) {
      links.add(new LinkPlan(l.path("from").asInt(), l.path("to").asInt(), l.path("from_executor").asText(),
          l.path("to_executor").asText(), l.path("bits_per_second").asDouble() / 8, l.path("latency_seconds").asDouble(),
          0, l.path("activation_fraction").asDouble(), l.path("gradient_fraction").asDouble(), l.path("seconds").asDouble()));
    }
    // a plan file is an edge too: its labels are parsed (and so checked) once, here
    Plan p = new Plan(PlannerChoice.parse(root.path("planner").asText()),
        Compression.parse(root.path("compression").asText()), Schedule.parse(root.path("schedule").asText("gpipe")),
        root.path("micro_batches").asInt(), root.path("micro_batch_size").asInt(), stages, links,
        root.path("predicted_step_seconds").asDouble(), root.path("predicted_single_process_seconds").asDouble(), List.of(), new String[maxExec + 1]);
    Partition.check(graph, p.boundaries());
    return p;
  }

  /** A short account of a plan read from JSON (stages, links, predicted times). */
  static String fromJsonForDisplay(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("plan (%s, %s): %d stage(s)%n", root.path("planner").asText(), root.path("compression").asText(),
        root.path("stages").size()));
    for (JsonNode s : root.path("stages")) {
      JsonNode nodes = s.path("nodes");
      sb.append(String.format("  stage %d on %s: nodes %d..%d (%s .. %s), predicted %.2f ms/micro-batch%n", s.path("index").asInt(),
          s.path("executor_name").asText(), s.path("from").asInt(), s.path("to").asInt() - 1, nodes.get(0).asText(),
          nodes.get(nodes.size() - 1).asText(), s.path("seconds").asDouble() * 1e3));
    }
    for (JsonNode l : root.path("links")) {
      String kept = l.has("activation_encoding")
          ? String.format("activations %s gradients %s", l.path("activation_encoding").asText(),
              l.path("gradient_encoding").asText())
          : String.format("kept activations %.3f gradients %.3f", l.path("activation_fraction").asDouble(),
              l.path("gradient_fraction").asDouble());
      sb.append(String.format("  link %d->%d %.1f Mbit/s measured, %s, predicted %.2f ms/micro-batch%n",
          l.path("from").asInt(), l.path("to").asInt(), l.path("bits_per_second").asDouble() / 1e6, kept,
          l.path("seconds").asDouble() * 1e3));
    }
    sb.append(String.format("  predicted step %.1f ms, single process %.1f ms", root.path("predicted_step_seconds").asDouble() * 1e3,
        root.path("predicted_single_process_seconds").asDouble() * 1e3));
    return sb.toString();
  }

  /** Draws the plan's predicted schedule (stages and links over time, forward and backward per micro-batch). */
  public void writeSchedulePng(Path file) throws IOException {
    writeSchedulePng(file, schedule);
  }

  /**
   * Draws the predicted schedule, {@code gpipe} or {@code 1f1b}: each stage runs its passes in the schedule's order,
   * a pass starts when the stage is free and its input (activations, or gradients) has crossed the link, and each
   * link carries one transfer at a time. The title gives the predicted step time of that simulation and the most
   * micro-batches any stage holds.
   */
  public void writeSchedulePng(Path file, String scheduleName) throws IOException {
    writeSchedulePng(file, Schedule.parse(scheduleName));
  }

  void writeSchedulePng(Path file, Schedule schedule) throws IOException {
    int k = stages.size();
    int rows = 2 * k - 1;
    int m = microBatches;
    double[] fwd = new double[k];
    double[] bwd = new double[k];
    for (int s = 0; s < k; s++) {
      fwd[s] = stages.get(s).seconds() / 3;
      bwd[s] = stages.get(s).seconds() * 2 / 3;
    }
    double[] link = new double[Math.max(0, k - 1)];
    for (int s = 0; s + 1 < k; s++) {
      link[s] = links.get(s).seconds() / 2;
    }
    // per stage, its passes in order: +mb+1 forward, -(mb+1) backward
    int[][] order = new int[k][2 * m];
    for (int s = 0; s < k; s++) {
      int i = 0;
      if (schedule == Schedule.GPIPE) {
        for (int mb = 0; mb < m; mb++) {
          order[s][i++] = mb + 1;
        }
        for (int mb = m - 1; mb >= 0; mb--) {
          order[s][i++] = -(mb + 1);
        }
      } else {
        int warm = Math.min(k - s - 1, m);
        int back = 0;
        for (int mb = 0; mb < warm; mb++) {
          order[s][i++] = mb + 1;
        }
        for (int mb = warm; mb < m; mb++) {
          order[s][i++] = mb + 1;
          order[s][i++] = -(++back);
        }
        while (back < m) {
          order[s][i++] = -(++back);
        }
      }
    }
    double nan = Double.NaN;
    double[][] actReady = new double[k][m];   // activations of mb arrived at stage s
    double[][] gradReady = new double[k][m];  // gradients of mb arrived at stage s
    for (double[] r : actReady) {
      java.util.Arrays.fill(r, nan);
    }
    for (double[] r : gradReady) {
      java.util.Arrays.fill(r, nan);
    }
    List<double[]> boxes = new ArrayList<>();
    double[] rowFree = new double[rows];
    int[] next = new int[k];
    int maxHeld = 0;
    int[] held = new int[k];
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int s = 0; s < k; s++) {
        while (next[s] < 2 * m) {
          int op = order[s][next[s]];
          int mb = Math.abs(op) - 1;
          boolean forward = op > 0;
          double dep = forward ? (s == 0 ? 0 : actReady[s][mb]) : (s == k - 1 ? 0 : gradReady[s][mb]);
          if (Double.isNaN(dep)) {
            break;
          }
          double start = Math.max(rowFree[2 * s], dep);
          double end = start + (forward ? fwd[s] : bwd[s]);
          rowFree[2 * s] = end;
          boxes.add(new double[] {2 * s, start, end, mb, forward ? 0 : 1});
          held[s] += forward ? 1 : -1;
          maxHeld = Math.max(maxHeld, held[s]);
          int peer = forward ? s + 1 : s - 1;
          if (peer >= 0 && peer < k) {
            int row = forward ? 2 * s + 1 : 2 * s - 1;
            double ls = Math.max(rowFree[row], end);
            double le = ls + link[Math.min(s, peer)];
            rowFree[row] = le;
            boxes.add(new double[] {row, ls, le, mb, forward ? 0 : 1});
            if (forward) {
              actReady[peer][mb] = le;
            } else {
              gradReady[peer][mb] = le;
            }
          }
          next[s]++;
          progress = true;
        }
      }
    }
    for (int s = 0; s < k; s++) {
      if (next[s] < 2 * m) {
        throw new IllegalStateException("schedule " + schedule.label + " did not complete in the simulation (stage " + s + ")");
      }
    }
    double total = 0;
    for (double[] b : boxes) {
      total = Math.max(total, b[2]);
    }
    int width = 1150;
    int left = 150;
    int rowH = 34;
    int height = rows * rowH + 70;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.BLACK);
    g.drawString(String.format("Predicted %s schedule (%s, %s): step %.1f ms (planner's estimate %.1f ms), single process"
        + " %.1f ms, at most %d micro-batch(es) held per stage", schedule == Schedule.GPIPE ? "GPipe" : "1F1B", planner.label,
        compression.label(), total * 1e3, stepSeconds * 1e3, singleProcessSeconds * 1e3, maxHeld), 10, 18);
    for (int r = 0; r < rows; r++) {
      String label = r % 2 == 0 ? "stage " + r / 2 + " " + stages.get(r / 2).executorName()
          : "link " + (r / 2) + "->" + (r / 2 + 1);
      g.setColor(Color.BLACK);
      g.drawString(label, 8, 40 + r * rowH + rowH / 2);
    }
    double scale = (width - left - 20) / Math.max(total, 1e-12);
    for (double[] b : boxes) {
      int r = (int) b[0];
      int x = left + (int) (b[1] * scale);
      int w = Math.max(1, (int) ((b[2] - b[1]) * scale));
      boolean backward = b[4] == 1;
      boolean isLink = r % 2 == 1;
      g.setColor(isLink ? (backward ? new Color(240, 170, 90) : new Color(250, 210, 120))
          : (backward ? new Color(90, 140, 210) : new Color(140, 200, 120)));
      g.fillRect(x, 30 + r * rowH, w, rowH - 6);
      g.setColor(Color.DARK_GRAY);
      g.setStroke(new BasicStroke(0.5f));
      g.drawRect(x, 30 + r * rowH, w, rowH - 6);
      if (w > 14) {
        g.drawString(String.valueOf((int) b[3]), x + 3, 30 + r * rowH + rowH / 2);
      }
    }
    g.setColor(Color.BLACK);
    g.drawString(String.format("0 .. %.1f ms   green: forward, blue: backward, yellow/orange: link transfers", total * 1e3),
        left, height - 12);
    g.dispose();
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    ImageIO.write(img, "png", file.toFile());
  }
}
