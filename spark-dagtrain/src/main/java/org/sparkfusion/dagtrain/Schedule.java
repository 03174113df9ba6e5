package org.sparkfusion.dagtrain;

import java.util.Locale;

/**
 * Order of forward and backward micro-batch passes within a step. GPipe: all forwards, then all backwards (every
 * micro-batch's activations are held until its backward). 1F1B (PipeDream-flush): stage s of S runs S - s - 1
 * warm-up forwards, then alternates one forward with one backward, then drains the backwards, so it holds at most
 * S - s micro-batches. Both sum the gradients of the same micro-batches and step once, so they train identically.
 */
enum Schedule {
  GPIPE("gpipe"), ONE_F_ONE_B("1f1b");

  final String label;

  Schedule(String label) {
    this.label = label;
  }

  static Schedule parse(String s) {
    for (Schedule v : values()) {
      if (v.label.equals(s == null ? "" : s.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown schedule '" + s + "' (expected gpipe or 1f1b)");
  }

  /** Most micro-batches stage {@code stage} of {@code stages} holds at once under this schedule. */
  int maxInFlight(int stage, int stages, int microBatches) {
    return this == GPIPE ? microBatches : Math.min(stages - stage, microBatches);
  }
}
