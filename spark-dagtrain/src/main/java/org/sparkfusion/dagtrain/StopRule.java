package org.sparkfusion.dagtrain;

import java.io.Serializable;

/**
 * When training stops before its step limit: once the mean loss of the last {@link #WINDOW} steps is at or below a
 * target, or once a wall-clock budget is spent. The last stage decides after each step (it alone sees the loss) and
 * the decision travels back to the first stage behind the step's last gradients, so every stage applies the same
 * steps and stops after the same one. Why a moving mean: single-step losses of a mini-batch are noisy, and one lucky
 * batch must not end a run.
 *
 * @param targetLoss stop once the {@link #WINDOW}-step mean loss is at or below this; NaN: no target
 * @param maxSeconds stop after the first step that ends this many seconds after training started; 0: no budget
 */
record StopRule(double targetLoss, double maxSeconds) implements Serializable {
  /** Steps in the moving mean compared with the target. */
  static final int WINDOW = 5;
  static final StopRule NONE = new StopRule(Double.NaN, 0);

  StopRule {
    if (!Double.isNaN(targetLoss) && !Double.isFinite(targetLoss)) {
      throw new IllegalArgumentException("target loss must be a finite number, got " + targetLoss);
    }
    if (!(maxSeconds >= 0) || Double.isInfinite(maxSeconds)) {
      throw new IllegalArgumentException("time budget must be a finite number of seconds >= 0, got " + maxSeconds);
    }
  }

  /** Whether the rule can stop a run at all (else the stages exchange no decisions). */
  boolean active() {
    return !Double.isNaN(targetLoss) || maxSeconds > 0;
  }

  /** Why a run ended. */
  enum Reason {
    /** All requested steps ran. */
    STEPS,
    /** The moving mean loss reached the target. */
    TARGET,
    /** The time budget was spent. */
    BUDGET;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The last stage's running view of a run under this rule, started when training starts. */
  Tracker start(long startNanos) {
    return new Tracker(startNanos);
  }

  /** Keeps the last {@link #WINDOW} losses and the start time. */
  final class Tracker {
    private final long startNanos;
    private final double[] recent = new double[WINDOW];
    private int seen;

    private Tracker(long startNanos) {
      this.startNanos = startNanos;
    }

    /** Records a finished step's loss; returns why to stop after it, or null to go on. */
    Reason observe(double loss) {
      recent[seen % WINDOW] = loss;
      seen++;
      if (!Double.isNaN(targetLoss) && seen >= WINDOW) {
        double sum = 0;
        for (double l : recent) {
          sum += l;
        }
        if (sum / WINDOW <= targetLoss) {
          return Reason.TARGET;
        }
      }
      if (maxSeconds > 0 && (System.nanoTime() - startNanos) / 1e9 >= maxSeconds) {
        return Reason.BUDGET;
      }
      return null;
    }
  }
}
