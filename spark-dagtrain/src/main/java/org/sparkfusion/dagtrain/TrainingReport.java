package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What a training run measured: loss per step, seconds, throughput, bytes and kept fraction per directed
 * link, and the plan it ran. {@link #toJson()} gives the {@code dagtrain --json} format.
 */
public final class TrainingReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Traffic on one directed link between stages (activations forward, gradients backward). */
  public record Link(String from, String to, long bytes, double keptFraction) { }

  final String model;
  final int stages;
  final String compression;
  final List<Double> losses;
  final List<Double> elapsed;
  final int startStep;
  final double seconds;
  final double throughput;
  final List<Link> links;
  final String planJson;
  final List<StageTiming> stageTiming;
  /** Why training ended: "steps" (all ran), "target" (the target loss was reached) or "budget" (time ran out). */
  String stopReason = "steps";

  /**
   * Per stage, the planner's prediction next to what the stage measured, in seconds per step: mean over the steps
   * after the first (the first step, which warms up, separately as {@code firstWall}). {@code predicted} includes
   * {@code predictedMessages}; {@code waiting} is time blocked on a neighbour's message, {@code frameDecode} the event
   * loop's copying and checking of received frames (beside the stage thread); {@code processCpu}, {@code gc} and
   * {@code jit} are the executor JVM's CPU, garbage-collection and JIT-compilation time in those steps.
   */
  public record StageTiming(int stage, String executor, double predicted, double predictedMessages, double wall,
      double compute, double encode, double decode, double waiting, double threadCpu, double frameDecode,
      double firstWall, double processCpu, double gc, double jit) { }

  TrainingReport(String model, int stages, String compression, List<Double> losses, List<Double> elapsed, int startStep,
      double seconds, double throughput, List<Link> links, String planJson) {
    this(model, stages, compression, losses, elapsed, startStep, seconds, throughput, links, planJson, List.of());
  }

  TrainingReport(String model, int stages, String compression, List<Double> losses, List<Double> elapsed, int startStep,
      double seconds, double throughput, List<Link> links, String planJson, List<StageTiming> stageTiming) {
    this.stageTiming = List.copyOf(stageTiming);
    this.model = model;
    this.stages = stages;
    this.compression = compression;
    this.losses = List.copyOf(losses);
    this.elapsed = List.copyOf(elapsed);
    this.startStep = startStep;
    this.seconds = seconds;
    this.throughput = throughput;
    this.links = List.copyOf(links);
    this.planJson = planJson;
  }

  /** Mean loss of each step run, in order (starting at {@link #startStep()}). */
  public List<Double> losses() {
    return losses;
  }

  /** Seconds since training started at the end of each step. */
  public List<Double> elapsedSeconds() {
    return elapsed;
  }

  /** First step this run trained (greater than 0 when it resumed from a checkpoint). */
  public int startStep() {
    return startStep;
  }

  /** Wall-clock seconds of the training loop. */
  public double seconds() {
    return seconds;
  }

  /** Training samples per second. */
  public double throughput() {
    return throughput;
  }

  public List<Link> links() {
    return links;
  }

  /** Predicted vs measured time per stage and step (cluster runs; empty in process). */
  public List<StageTiming> stageTiming() {
    return stageTiming;
  }

  /**
   * Why training ended: {@code steps} when every requested step ran, {@code target} when the 5-step mean loss reached
   * {@code targetLoss}, {@code budget} when {@code maxSeconds} ran out.
   */
  public String stopReason() {
    return stopReason;
  }

  TrainingReport stoppedBy(String reason) {
    this.stopReason = reason;
    return this;
  }

  /** Number of pipeline stages the plan used. */
  public int stages() {
    return stages;
  }

  /** The plan as JSON. */
  public String planJson() {
    return planJson;
  }

  public double finalLoss() {
    return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
  }

  /**
   * {"model", "stages", "compression", "loss", "seconds", "throughput", "links", "plan", plus "elapsed", "start_step",
   * "stop_reason", "stage_timing"}.
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", model);
    root.put("stages", stages);
    root.put("compression", compression);
    ArrayNode loss = root.putArray("loss");
    losses.forEach(loss::add);
    root.put("seconds", seconds);
    root.put("throughput", throughput);
    ArrayNode ls = root.putArray("links");
    for (Link l : links) {
      ls.addObject().put("from", l.from()).put("to", l.to()).put("bytes", l.bytes()).put("kept_fraction", l.keptFraction());
    }
    try {
      root.set("plan", planJson == null || planJson.isEmpty() ? JSON.createObjectNode() : JSON.readTree(planJson));
    } catch (Exception e) {
      root.put("plan", planJson);
    }
    ArrayNode el = root.putArray("elapsed");
    elapsed.forEach(el::add);
    root.put("start_step", startStep);
    root.put("stop_reason", stopReason);
    ArrayNode st = root.putArray("stage_timing");
    for (StageTiming t : stageTiming) {
      st.addObject().put("stage", t.stage()).put("executor", t.executor()).put("predicted_seconds", t.predicted())
          .put("predicted_message_seconds", t.predictedMessages()).put("wall_seconds", t.wall())
          .put("compute_seconds", t.compute()).put("encode_seconds", t.encode()).put("decode_seconds", t.decode())
          .put("wait_seconds", t.waiting()).put("thread_cpu_seconds", t.threadCpu())
          .put("frame_decode_seconds", t.frameDecode()).put("first_step_wall_seconds", t.firstWall())
          .put("process_cpu_seconds", t.processCpu()).put("gc_seconds", t.gc()).put("jit_seconds", t.jit());
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return String.format("TrainingReport(%s, %d stage(s), %s, %d steps from %d%s, final loss %.4f, %.1f s, %.1f samples/s)",
        model, stages, compression, losses.size(), startStep, "steps".equals(stopReason) ? "" : ", stopped: " + stopReason,
        finalLoss(), seconds, throughput);
  }
}
