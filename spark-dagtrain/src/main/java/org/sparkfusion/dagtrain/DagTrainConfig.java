package org.sparkfusion.dagtrain;

import java.util.List;
import org.sparkfusion.common.config.ConfigEntry;
import org.sparkfusion.common.config.ConfigTable;

/** Every {@code spark.sparkfusion.dagtrain.*} key, declared once. */
public final class DagTrainConfig implements ConfigTable {
  static final String P = "spark.sparkfusion.dagtrain.";

  public static final ConfigEntry<Integer> MICRO_BATCHES = ConfigEntry.integer(P + "microBatches", 4,
      "Micro-batches per training step (GPipe).").checkedBy(v -> v >= 1, "at least 1");
  public static final ConfigEntry<Integer> MICRO_BATCH_SIZE = ConfigEntry.integer(P + "microBatchSize", 8,
      "Samples per micro-batch.").checkedBy(v -> v >= 1, "at least 1");
  public static final ConfigEntry<String> SCHEDULE = ConfigEntry.oneOf(P + "schedule", "gpipe",
      "Micro-batch schedule: gpipe (all forwards, then all backwards) or 1f1b (one forward, one backward after a"
          + " warm-up; holds at most stages - stage micro-batches). Same gradients either way.", "gpipe", "1f1b");
  public static final ConfigEntry<String> OPTIMIZER = ConfigEntry.oneOf(P + "optimizer", "adam",
      "Per-stage optimizer.", "adam", "sgd");
  public static final ConfigEntry<Double> LEARNING_RATE = ConfigEntry.doubleValue(P + "learningRate", 0.003,
      "Learning rate.").checkedBy(v -> v > 0, "positive");
  public static final ConfigEntry<String> CHECKPOINT_DIR = ConfigEntry.string(P + "checkpoint.dir", "",
      "Hadoop path for stage checkpoints and the plan; empty disables checkpointing and resume.");
  public static final ConfigEntry<Integer> CHECKPOINT_EVERY = ConfigEntry.integer(P + "checkpoint.every", 10,
      "Checkpoint every N steps (when a checkpoint dir is set).").checkedBy(v -> v >= 1, "at least 1");
  public static final ConfigEntry<Long> PEER_TIMEOUT_MS = ConfigEntry.longValue(P + "peerTimeoutMs", 120_000L,
      "How long a stage waits for a peer's message before failing with the peer named.").checkedBy(v -> v > 0, "positive");
  public static final ConfigEntry<Double> MIN_FRACTION = ConfigEntry.doubleValue(P + "adatopk.minFraction", 0.5,
      "Smallest kept fraction of entries when AdaTopK sparsifies activations (gradients keep twice as much). AdaTopK"
          + " tries fp32, fp16 and int8 first and sparsifies only below int8's bytes, i.e. at fractions under 0.4375;"
          + " the default 0.5 never sparsifies (int8 is the floor), because dropping entries cost more steps to the"
          + " target than it saved in bytes in our measurements (docs/benchmarks/dagtrain.md).")
      .checkedBy(v -> v > 0 && v <= 1, "in (0,1]");
  public static final ConfigEntry<Boolean> ERROR_FEEDBACK = ConfigEntry.bool(P + "errorFeedback", false,
      "Carry what compression dropped into the next message of the same tensor (off by default for activations).");
  public static final ConfigEntry<Integer> MIN_STAGES = ConfigEntry.integer(P + "planner.minStages", 1,
      "Fewest stages OP-Fence may choose (e.g. when the model must be spread out).").checkedBy(v -> v >= 1, "at least 1");
  public static final ConfigEntry<Long> MEMORY_BUDGET_MB = ConfigEntry.longValue(P + "memoryBudgetMb", 0L,
      "Memory per executor the planner may use for a stage, in MB; 0 means half of the executor heap.")
      .checkedBy(v -> v >= 0, "non-negative");
  public static final ConfigEntry<String> LINK_RATES = ConfigEntry.string(P + "linkRates", "",
      "Rate limits inside the transport, e.g. '*:100mbps' or '0-1:8mbps,1-2:1gbps' (task indices, both directions),"
          + " each optionally with a round-trip time, '0-1:8mbit/100ms' (half of it delays each direction); for tests"
          + " and emulation (cluster runs; in-process runs apply the rates only).");
  public static final ConfigEntry<Integer> MAX_MESSAGE_MB = ConfigEntry.integer(P + "maxMessageMb", 256,
      "Largest accepted message payload; larger frames are rejected as corrupt.").checkedBy(v -> v >= 1, "at least 1");
  public static final ConfigEntry<Integer> PROBE_KB = ConfigEntry.integer(P + "probeKb", 1024,
      "Largest bandwidth probe per link at start, in KiB.").checkedBy(v -> v >= 16, "at least 16");
  public static final ConfigEntry<Double> WARM_UP_SECONDS = ConfigEntry.doubleValue(P + "warmUpSeconds", 1.0,
      "Seconds each stage runs its own ops on random data after planning and before the first step, so the JIT has"
          + " compiled them for this plan (no training state changes); 0 runs one pass.").checkedBy(v -> v >= 0,
      "non-negative");
  public static final ConfigEntry<Integer> FAIL_AT_STEP = ConfigEntry.integer(P + "test.failAtStep", -1,
      "Testing only: the task of stage test.failStage throws at this step in the first attempt of the barrier stage.");
  public static final ConfigEntry<Integer> FAIL_STAGE = ConfigEntry.integer(P + "test.failStage", 0,
      "Testing only: which stage test.failAtStep fails.");

  @Override
  public String module() {
    return "dagtrain";
  }

  @Override
  public String description() {
    return "Operator-DAG pipeline training across executors: schedule, optimizer, checkpoints, compression, planner, transport.";
  }

  @Override
  public List<ConfigEntry<?>> entries() {
    return List.of(MICRO_BATCHES, MICRO_BATCH_SIZE, SCHEDULE, OPTIMIZER, LEARNING_RATE, CHECKPOINT_DIR, CHECKPOINT_EVERY,
        PEER_TIMEOUT_MS, MIN_FRACTION, ERROR_FEEDBACK, MIN_STAGES, MEMORY_BUDGET_MB, LINK_RATES, MAX_MESSAGE_MB, PROBE_KB,
        WARM_UP_SECONDS, FAIL_AT_STEP, FAIL_STAGE);
  }
}
