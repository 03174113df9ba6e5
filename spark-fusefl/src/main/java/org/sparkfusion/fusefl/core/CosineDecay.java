package org.sparkfusion.fusefl.core;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Learning rate {@code initial * (1 + cos(pi * t / steps)) / 2} at mini-batch step t (0 from step {@code steps}
 * on): from the full rate at the first step down to 0 at the last. Public with Jackson properties because DL4J
 * stores the schedule in the network's JSON configuration.
 */
public final class CosineDecay implements ISchedule {
  private static final long serialVersionUID = 1L;
  private final double initial;
  private final int steps;

  public CosineDecay(@JsonProperty("initial") double initial, @JsonProperty("steps") int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    this.initial = initial;
    this.steps = steps;
  }

  @JsonProperty("initial")
  public double getInitial() {
    return initial;
  }

  @JsonProperty("steps")
  public int getSteps() {
    return steps;
  }

  @Override
  public double valueAt(int iteration, int epoch) {
    double t = Math.min(Math.max(iteration, 0), steps);
    return initial * 0.5 * (1 + Math.cos(Math.PI * t / steps));
  }

  @Override
  public ISchedule clone() {
    return new CosineDecay(initial, steps);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CosineDecay c && c.initial == initial && c.steps == steps;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(initial) * 31 + steps;
  }

  @Override
  public String toString() {
    return "CosineDecay(" + initial + ", " + steps + ")";
  }
}
