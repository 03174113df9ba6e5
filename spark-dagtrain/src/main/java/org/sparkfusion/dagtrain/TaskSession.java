package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dagtrain.transport.Frame;
import org.sparkfusion.dagtrain.transport.NettyTransport;
import org.sparkfusion.dagtrain.transport.StageTransport;

/**
 * The body of one barrier task: connect to the other tasks, measure links and op times, agree on a plan
 * (task 0 plans; or the plan saved with the checkpoints), resume from the latest complete checkpoint, train
 * this task's stage, and return a JSON summary.
 */
final class TaskSession {
  private static final Logger LOG = LoggerFactory.getLogger(TaskSession.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainingSpec spec;
  private final BarrierTaskContext ctx;
  private final int me;
  private final int n;
  /** Step records {step, loss, elapsed} of the last stage, seen by the driver through heartbeats; may be null. */
  private final org.apache.spark.util.CollectionAccumulator<double[]> progress;
  /** This task's stage's trained parameters after the last step ({@link TrainedWeights#encode}), or empty. */
  byte[] weights = new byte[0];

  TaskSession(TrainingSpec spec, BarrierTaskContext ctx, org.apache.spark.util.CollectionAccumulator<double[]> progress) {
    this.spec = spec;
    this.ctx = ctx;
    this.progress = progress;
    this.me = ctx.partitionId();
    this.n = ctx.getTaskInfos().length;
  }

  String run(List<Sample> samples) throws Exception {
    Graph graph = Graph.fromJson(spec.graphJson);
    String host = SparkEnv.get() == null ? "127.0.0.1" : SparkEnv.get().blockManager().blockManagerId().host();
    try (NettyTransport net = new NettyTransport(me, host, spec.maxMessageMb << 20, spec.peerTimeoutMillis,
        spec.connectionSecret)) {
      // the emulated delay of frames *to* this task: column me of the delay matrix
      double[][] delays = LinkRates.delays(spec.linkRates, n);
      double[] fromPeers = new double[n];
      for (int j = 0; j < n; j++) {
        fromPeers[j] = delays[j][me];
      }
      net.delays(fromPeers);
      String[] addresses = ctx.allGather(net.address());
      net.connect(addresses, LinkRates.parse(spec.linkRates, n)[me]);
      ctx.barrier();
      double[] latency = new double[n];
      double[] bandwidth = new double[n];
      long t0 = System.nanoTime();
      for (int r = 0; r < n; r++) {
        if (r == me) {
          for (int j = 0; j < n; j++) {
            if (j != me) {
              double[] lb = net.measure(j, spec.probeKb * 1024);
              latency[j] = lb[0];
              bandwidth[j] = lb[1];
            }
          }
        }
        ctx.barrier();
      }
      // The sustained pass first: it also warms the JIT, so the per-op times below are those of compiled kernels (in a
      // fresh executor JVM the first ops would otherwise be timed interpreted and look several times dearer than later
      // ones, which skews the planner's cuts).
      double pass = WorkloadEstimator.sustainedPassSeconds(graph, spec.microBatchSize, spec.seed, 1.5);
      ctx.barrier();
      double[] times = WorkloadEstimator.calibrate(graph, spec.microBatchSize, 3, spec.seed);
      // the message path's cost on this executor (sustained, under its own CPU capacity); also warms its JIT
      // at the model's largest cut and at a small message, so a per-message part separates from the per-entry one
      int probeEntries = MessageCost.probeEntries(graph, spec.microBatchSize);
      int smallEntries = 256;
      double large = messageSecondsPerEntry(net, probeEntries, 0.4, spec.seed);
      double small = messageSecondsPerEntry(net, smallEntries, 0.2, spec.seed);
      double[] fit = MessageCost.fit(smallEntries, small, probeEntries, large);
      double messageFixed = fit[0];
      double message = fit[1];
      LOG.info("dagtrain task {}: sustained model pass {} ms; message handling per side {} ms for {} entries, {} ms for {}:"
          + " {} ms per message + {} ns per float entry", me, String.format("%.1f", pass * 1e3),
          String.format("%.3f", large * probeEntries * 1e3), probeEntries, String.format("%.3f", small * smallEntries * 1e3),
          smallEntries, String.format("%.3f", messageFixed * 1e3), String.format("%.2f", message * 1e9));
      long budget = spec.memoryBudgetMb > 0 ? spec.memoryBudgetMb << 20 : Runtime.getRuntime().maxMemory() / 2;
      LOG.info("dagtrain task {} at {}: measured links in {}s, bandwidth {} B/s, latency {} s", me, addresses[me],
          String.format("%.2f", (System.nanoTime() - t0) / 1e9), java.util.Arrays.toString(bandwidth),
          java.util.Arrays.toString(latency));
      ObjectNode row = JSON.createObjectNode();
      row.put("host", host);
      row.set("latency", JSON.valueToTree(latency));
      row.set("bandwidth", JSON.valueToTree(bandwidth));
      row.set("times", JSON.valueToTree(times));
      row.put("pass", pass);
      row.put("message", message);
      row.put("message_fixed", messageFixed);
      row.put("memory", budget);
      row.put("samples", samples.size());
      String[] rows = ctx.allGather(row.toString());

      Checkpoints ckpt = spec.checkpointDir == null || spec.checkpointDir.isBlank() ? null
          : new Checkpoints(spec.checkpointDir, hadoopConf());
      String planJson = "";
      String planError = "";
      if (me == 0) {
        try {
          String saved = ckpt == null ? null : ckpt.readPlan();
          if (saved != null) {
            planJson = saved;
            LOG.info("dagtrain: resuming with the plan saved in {}", spec.checkpointDir);
          } else {
            Plan plan = plan(graph, rows);
            planJson = plan.toJson();
            LOG.info("dagtrain plan:\n{}", plan.explain());
            if (ckpt != null) {
              ckpt.writePlan(planJson);
            }
          }
        } catch (RuntimeException e) {
          planError = e.getMessage() == null ? e.toString() : e.getMessage();
        }
      }
      String[] agreed = ctx.allGather(JSON.createObjectNode().put("plan", planJson).put("error", planError).toString());
      JsonNode decision = JSON.readTree(agreed[0]);
      if (!decision.path("error").asText().isEmpty()) {
        throw new IllegalStateException("dagtrain planning failed: " + decision.path("error").asText());
      }
      Plan plan = Plan.fromJson(decision.path("plan").asText(), graph);
      int[] execOf = plan.executorsOfStages();
      int k = execOf.length;
      int stage = -1;
      for (int s = 0; s < k; s++) {
        if (execOf[s] == me) {
          stage = s;
        }
      }
      int resume = -1;
      if (me == 0 && ckpt != null) {
        resume = ckpt.latestComplete(k);
      }
      resume = Integer.parseInt(ctx.allGather(String.valueOf(resume))[0]);

      ObjectNode result = JSON.createObjectNode();
      result.put("task", me);
      result.put("host", host);
      result.put("stage", stage);
      result.put("start_step", resume + 1);
      if (me == 0) {
        result.put("plan", decision.path("plan").asText());
        result.put("measurements", JSON.valueToTree(rows).toString());
      }
      if (execOf[0] != 0) {
        // the data sits with task 0 (one partition); the plan put the first stage elsewhere, so hand the samples
        // over once through the barrier's control channel (via the driver, not over the sites' links)
        String[] payload = ctx.allGather(me == 0 ? encodeSamples(samples) : "");
        if (me == execOf[0]) {
          samples = decodeSamples(payload[0]);
        }
      }
      if (stage >= 0) {
        trainStage(graph, plan, stage, execOf, net, samples, ckpt, resume, result);
      }
      net.flush();
      net.goodbye();
      ctx.barrier();
      return result.toString();
    }
  }

  /**
   * What a message costs this executor, both sides of it: {@link MessageCost} with every frame carried through the
   * task's own transport ({@link NettyTransport#openSelfLink}), so encoding, framing, the socket, the event loop's
   * copying and checking, decoding and the garbage of it all run here. Seconds per float entry and side.
   */
  static double messageSecondsPerEntry(NettyTransport net, int entries, double minSeconds, long seed)
      throws IOException, InterruptedException {
    try (NettyTransport.SelfLink self = net.openSelfLink()) {
      return MessageCost.secondsPerEntry(entries, minSeconds, seed, self::carry);
    }
  }

  private Plan plan(Graph graph, String[] rows) throws IOException {
    String[] names = new String[n];
    double[][] bw = new double[n][n];
    double[][] lat = new double[n][n];
    long[] mem = new long[n];
    double[] speed = new double[n];
    double[][] times = new double[n][];
    double[] totals = new double[n];
    double[] message = new double[n];
    double[] messageFixed = new double[n];
    for (int i = 0; i < n; i++) {
      JsonNode r = JSON.readTree(rows[i]);
      message[i] = r.path("message").asDouble(0);
      messageFixed[i] = r.path("message_fixed").asDouble(0);
      names[i] = "task-" + i + "@" + r.path("host").asText();
      times[i] = JSON.convertValue(r.path("times"), double[].class);
      totals[i] = r.path("pass").asDouble();
      for (int j = 0; j < n; j++) {
        bw[i][j] = i == j ? Double.POSITIVE_INFINITY : r.path("bandwidth").get(j).asDouble();
        lat[i][j] = i == j ? 0 : r.path("latency").get(j).asDouble();
      }
      mem[i] = r.path("memory").asLong();
    }
    int base = 0;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> Double.compare(totals[a], totals[b]));
    base = idx[n / 2];
    for (int i = 0; i < n; i++) {
      speed[i] = totals[base] / totals[i];
    }
    // op shares from the median executor's best-of-3 op times, scaled to its sustained pass time, so predicted
    // stage times include CPU quotas and sharing; every executor's speed relative to it from the sustained passes
    double burst = 0;
    for (double t : times[base]) {
      burst += t;
    }
    double[] nodeSeconds = times[base].clone();
    for (int i = 0; i < nodeSeconds.length; i++) {
      nodeSeconds[i] *= totals[base] / burst;
    }
    ClusterProfile cluster = new ClusterProfile(names, bw, lat, mem, speed, message, messageFixed);
    LOG.info("dagtrain executor speeds {} (sustained pass seconds {}), message seconds per float entry {} and per"
        + " message {}", java.util.Arrays.toString(speed), java.util.Arrays.toString(totals),
        java.util.Arrays.toString(message), java.util.Arrays.toString(messageFixed));
    CostModel m = new CostModel(graph, cluster, nodeSeconds, spec.microBatches, spec.microBatchSize, spec.compression,
        spec.minFraction, spec.schedule);
    if (spec.planner == PlannerChoice.EVEN) {
      if (spec.evenHosts == null || spec.evenHosts.isBlank()) {
        return Planner.even(m, n);
      }
      // one even stage per listed host, in that order; tasks on hosts not listed stay idle
      String[] hosts = spec.evenHosts.split(",");
      if (hosts.length > n) {
        throw new IllegalArgumentException("even placement lists " + hosts.length + " hosts for " + n + " tasks: "
            + spec.evenHosts);
      }
      int[] execs = new int[hosts.length];
      for (int s = 0; s < hosts.length; s++) {
        execs[s] = -1;
        for (int i = 0; i < n; i++) {
          if (names[i].endsWith("@" + hosts[s].trim())) {
            execs[s] = i;
          }
        }
        if (execs[s] < 0) {
          throw new IllegalArgumentException("even placement: no task runs on host " + hosts[s] + " (tasks: "
              + String.join(", ", names) + ")");
        }
      }
      return Planner.even(m, hosts.length, execs);
    }
    // any executor may run the first stage: the samples move there once before training (see run)
    return Planner.opFence(m, Math.min(spec.minStages, n), n, -1);
  }

  static String encodeSamples(List<Sample> samples) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(
        new java.util.zip.DeflaterOutputStream(bytes)))) {
      out.writeInt(samples.size());
      for (Sample x : samples) {
        out.writeLong(x.index);
        out.writeInt(x.values.length);
        for (float[] v : x.values) {
          out.writeInt(v.length);
          for (float f : v) {
            out.writeFloat(f);
          }
        }
      }
    }
    return java.util.Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  static List<Sample> decodeSamples(String encoded) throws IOException {
    try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
        new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(encoded)))))) {
      int n = in.readInt();
      List<Sample> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long index = in.readLong();
        float[][] values = new float[in.readInt()][];
        for (int k = 0; k < values.length; k++) {
          values[k] = new float[in.readInt()];
          for (int j = 0; j < values[k].length; j++) {
            values[k][j] = in.readFloat();
          }
        }
        Sample x = new Sample(values);
        x.index = index;
        out.add(x);
      }
      return out;
    }
  }

  private void trainStage(Graph graph, Plan plan, int stage, int[] execOf, NettyTransport net, List<Sample> samples,
      Checkpoints ckpt, int resume, ObjectNode result) throws Exception {
    int k = execOf.length;
    StageRunner runner = new StageRunner(graph, plan.stages.get(stage).from(), plan.stages.get(stage).to(), spec.seed);
    Optimizer opt = Optimizer.parse(spec.optimizer, spec.learningRate);
    if (resume >= 0) {
      ckpt.read(resume, stage, runner, opt);
      LOG.info("dagtrain stage {} resumed from the checkpoint of step {}", stage, resume);
    }
    MicroBatchSource data = stage == 0 ? new SampleSource(graph, samples, spec.microBatchSize, spec.seed) : null;
    LinkCompression out = stage + 1 < k ? LinkCompression.forLink(spec.compression,
        plan.links.get(stage).activationFraction(), spec.errorFeedback) : null;
    LinkCompression in = stage > 0 ? LinkCompression.forLink(spec.compression,
        plan.links.get(stage - 1).activationFraction(), spec.errorFeedback) : null;
    StageTransport transport = stageTransport(net, execOf);
    StageWorker worker = new StageWorker(runner, opt, stage, k, transport, data, spec.microBatches, spec.seed, out, in,
        spec.schedule);
    long probeNext = stage + 1 < k ? net.bytesSent(execOf[stage + 1]) : 0;
    long probePrev = stage > 0 ? net.bytesSent(execOf[stage - 1]) : 0;
    ArrayNode losses = result.putArray("losses");
    ArrayNode elapsed = result.putArray("elapsed");
    ObjectNode timing = result.putObject("timing");
    ArrayNode tWall = timing.putArray("wall");
    ArrayNode tCompute = timing.putArray("compute");
    ArrayNode tEncode = timing.putArray("encode");
    ArrayNode tDecode = timing.putArray("decode");
    ArrayNode tWait = timing.putArray("wait");
    ArrayNode tCpu = timing.putArray("thread_cpu");
    ArrayNode tProcess = timing.putArray("process_cpu");
    ArrayNode tGc = timing.putArray("gc");
    ArrayNode tJit = timing.putArray("jit");
    ArrayNode tFrames = timing.putArray("frame_decode");
    ArrayNode tEntries = timing.putArray("message_entries");
    long warmFrom = System.nanoTime();
    int passes = StageWarmUp.run(graph, plan.stages.get(stage).from(), plan.stages.get(stage).to(), spec.microBatchSize,
        spec.seed, spec.warmUpSeconds, 1000);
    LOG.info("dagtrain stage {} warmed up its ops: {} passes in {} ms", stage, passes,
        String.format("%.0f", (System.nanoTime() - warmFrom) / 1e6));
    long waitFrom = System.nanoTime();
    net.startTogether(otherStagesExecutors(execOf, stage));
    LOG.info("dagtrain stage {} starts training after {} ms waiting for the other stages to be ready", stage,
        String.format("%.0f", (System.nanoTime() - waitFrom) / 1e6));
    long frames0 = net.frameDecodeNanos.sum();
    long start = System.nanoTime();
    int samplesPerStep = spec.microBatches * spec.microBatchSize;
    // the planner's per-step time of this stage alone (its micro-batches' compute and message handling)
    double predicted = plan.stages.get(stage).seconds() * spec.microBatches;
    double predictedMessages = plan.stages.get(stage).messageSeconds() * spec.microBatches;
    worker.stopRuleActive = spec.stopRule.active();
    if (worker.stopRuleActive && stage == k - 1) {
      // the budget counts from here on every attempt (a resumed attempt gets a fresh budget)
      worker.stopTracker = spec.stopRule.start(start);
    }
    StopRule.Reason reason = StopRule.Reason.STEPS;
    for (int step = resume + 1; step < spec.steps; step++) {
      if (step == spec.failAtStep && stage == spec.failStage && ctx.stageAttemptNumber() == 0) {
        throw new IllegalStateException("dagtrain test failure injected at step " + step + " in stage " + stage);
      }
      long s0 = System.nanoTime();
      double loss = worker.runStep(step);
      double secs = (System.nanoTime() - s0) / 1e9;
      losses.add(loss);
      double since = (System.nanoTime() - start) / 1e9;
      elapsed.add(since);
      if (progress != null && stage == k - 1) {
        progress.add(new double[] {step, loss, since});
      }
      StepTiming t = worker.last;
      long frames1 = net.frameDecodeNanos.sum();
      tWall.add(t.wall);
      tCompute.add(t.compute);
      tEncode.add(t.encode);
      tDecode.add(t.decode);
      tWait.add(t.waiting);
      tCpu.add(t.threadCpu);
      tProcess.add(t.processCpu);
      tGc.add(t.gc);
      tJit.add(t.jit);
      tFrames.add((frames1 - frames0) / 1e9);
      tEntries.add(t.entriesIn + t.entriesOut);
      LOG.info("dagtrain stage {} step {}{} {} samples/s, bytes to next {} to previous {}; {}, frame checks on the event"
          + " loop {} ms; predicted {} ms (compute {} + messages {})", stage, step,
          Double.isNaN(loss) ? "" : String.format(" loss %.5f", loss), String.format("%.1f", samplesPerStep / secs),
          stage + 1 < k ? net.bytesSent(execOf[stage + 1]) - probeNext : 0,
          stage > 0 ? net.bytesSent(execOf[stage - 1]) - probePrev : 0, t.describe(),
          String.format("%.1f", (frames1 - frames0) / 1e6), String.format("%.0f", predicted * 1e3),
          String.format("%.0f", (predicted - predictedMessages) * 1e3), String.format("%.0f", predictedMessages * 1e3));
      frames0 = frames1;
      if (ckpt != null && (step + 1) % spec.checkpointEvery == 0) {
        ckpt.write(step, stage, runner, opt);
      }
      if (worker.stopRequested) {
        reason = worker.stopReason != null ? worker.stopReason : reason;
        LOG.info("dagtrain stage {} stops after step {}{}", stage, step,
            worker.stopReason != null ? " (" + worker.stopReason.label() + ")" : " (the last stage's decision)");
        break;
      }
    }
    if (stage == k - 1) {
      result.put("stop_reason", reason.label());
    }
    result.put("seconds", (System.nanoTime() - start) / 1e9);
    result.put("compute_seconds", worker.computeSeconds);
    weights = TrainedWeights.of(runner.params).encode();
    net.flush();
    result.put("bytes_next", stage + 1 < k ? net.bytesSent(execOf[stage + 1]) - probeNext : 0);
    result.put("bytes_previous", stage > 0 ? net.bytesSent(execOf[stage - 1]) - probePrev : 0);
    result.put("kept_next", worker.forwardCodec.keptFraction());
    result.put("kept_previous", worker.backwardCodec.keptFraction());
  }

  /** A stage's view of the task transport: stage {@code s} lives on task {@code execOf[s]}. */
  static StageTransport stageTransport(NettyTransport net, int[] execOf) {
    return new StageTransport() {
      @Override public void send(int toStage, Frame f) throws IOException {
        net.send(execOf[toStage], f);
      }

      @Override public Frame receive(int fromStage, byte type) throws IOException, InterruptedException {
        return net.receive(execOf[fromStage], type);
      }

      @Override public long bytesSent(int toStage) {
        return net.bytesSent(execOf[toStage]);
      }

      @Override public void flush() throws IOException, InterruptedException {
        net.flush();
      }

      @Override public void close() { }
    };
  }

  /** The executors of every stage but this one. */
  static int[] otherStagesExecutors(int[] execOf, int stage) {
    int[] peers = new int[execOf.length - 1];
    for (int s = 0, i = 0; s < execOf.length; s++) {
      if (s != stage) {
        peers[i++] = execOf[s];
      }
    }
    return peers;
  }

  private Configuration hadoopConf() {
    Configuration c = new Configuration();
    for (Map.Entry<String, String> e : spec.hadoopConf.entrySet()) {
      c.set(e.getKey(), e.getValue());
    }
    return c;
  }

  static List<Sample> drain(scala.collection.Iterator<Sample> it) {
    List<Sample> out = new ArrayList<>();
    while (it.hasNext()) {
      out.add(it.next());
    }
    out.sort(java.util.Comparator.comparingLong(x -> x.index));
    return out;
  }
}
