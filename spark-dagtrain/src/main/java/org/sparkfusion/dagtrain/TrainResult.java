package org.sparkfusion.dagtrain;

import java.util.List;

/**
 * What a training run measured: loss per step, wall time at the end of each step, traffic per link, each stage's
 * own compute seconds (forward, backward and optimizer, without waiting for peers), and per stage the most
 * micro-batches held at once (forward done, backward not yet) and the most bytes of activations and op caches they
 * held; and the trained parameters after the last step.
 */
record TrainResult(List<Double> losses, List<Double> elapsedSeconds, double seconds, double samplesPerSecond,
    List<LinkStat> links, int startStep, double[] stageComputeSeconds, int[] peakInFlight, long[] peakInFlightBytes,
    TrainedWeights weights, StopRule.Reason stopReason) {

  double finalLoss() {
    return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
  }
}
