package org.sparkfusion.dagtrain;

/** Settings of one training run (see {@link DagTrainConfig} for the configuration keys they come from). */
record TrainOptions(int steps, int microBatches, int microBatchSize, String optimizer, double learningRate, long seed,
    long peerTimeoutMillis, int logEvery, Schedule schedule) {

  TrainOptions(int steps, int microBatches, int microBatchSize, String optimizer, double learningRate, long seed,
      long peerTimeoutMillis, int logEvery) {
    this(steps, microBatches, microBatchSize, optimizer, learningRate, seed, peerTimeoutMillis, logEvery, Schedule.GPIPE);
  }

  TrainOptions {
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be at least 1, got " + steps);
    }
    if (microBatches < 1 || microBatchSize < 1) {
      throw new IllegalArgumentException("micro-batches and micro-batch size must be at least 1");
    }
    Optimizer.parse(optimizer, learningRate);
    if (schedule == null) {
      throw new IllegalArgumentException("schedule must be gpipe or 1f1b");
    }
  }

  TrainOptions withSteps(int s) {
    return new TrainOptions(s, microBatches, microBatchSize, optimizer, learningRate, seed, peerTimeoutMillis, logEvery,
        schedule);
  }

  TrainOptions withSchedule(Schedule s) {
    return new TrainOptions(steps, microBatches, microBatchSize, optimizer, learningRate, seed, peerTimeoutMillis,
        logEvery, s);
  }
}
