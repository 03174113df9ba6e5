package org.sparkfusion.dagtrain;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/** Everything a training task needs, resolved on the driver and shipped with the task. */
final class TrainingSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  String graphJson;
  int steps;
  int microBatches;
  int microBatchSize;
  Schedule schedule = Schedule.GPIPE;
  String optimizer;
  double learningRate;
  long seed;
  Compression compression;
  PlannerChoice planner;
  int tasks;
  int minStages;
  /** Even split only: hosts in stage order (each must run one task); empty = stage i on task i. */
  String evenHosts = "";
  double minFraction;
  boolean errorFeedback;
  String checkpointDir;
  int checkpointEvery;
  long peerTimeoutMillis;
  String linkRates;
  int maxMessageMb;
  int probeKb;
  double warmUpSeconds;
  long memoryBudgetMb;
  /** When to stop before {@link #steps}: a target loss or a time budget (none by default). */
  StopRule stopRule = StopRule.NONE;
  int failAtStep;
  int failStage;
  Map<String, String> hadoopConf = new HashMap<>();
  /**
   * The run's {@link ConnectionAuth} secret, drawn on the driver for each {@code fit}. It travels in the serialized
   * task like the rest of this spec (protected on the wire only when Spark's RPC is, see docs/dagtrain.md) and must
   * never be logged; this class has no {@code toString} that would show it.
   */
  byte[] connectionSecret;

  TrainOptions options() {
    return new TrainOptions(steps, microBatches, microBatchSize, optimizer, learningRate, seed, peerTimeoutMillis, 1,
        schedule);
  }
}
