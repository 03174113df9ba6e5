package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.List;

/**
 * The loss history of a {@link DagTrainer#fit} while it runs, for progress bars: the last stage's executor adds a
 * record per step to a Spark accumulator, and Spark carries running tasks' accumulator values to the driver with
 * every executor heartbeat ({@code spark.executor.heartbeatInterval}, 10 s by default), so this view lags the
 * training by at most one heartbeat; when {@code fit} returns it holds the complete history. Thread-safe: read it
 * from another thread (or from Python, see {@code sparkfusion.dagtrain}) while {@code fit} blocks.
 */
public final class TrainingProgress {
  private final int totalSteps;
  private final List<Double> losses = new ArrayList<>();
  private final List<Double> elapsed = new ArrayList<>();
  private int startStep;
  private boolean finished;

  TrainingProgress(int totalSteps) {
    this.totalSteps = totalSteps;
  }

  /** Steps the run trains in all (counting those a resumed run skips). */
  public int totalSteps() {
    return totalSteps;
  }

  /** Steps done so far, counting from 0 (a resumed run starts past the steps its checkpoint holds). */
  public synchronized int stepsDone() {
    return losses.isEmpty() ? startStep : startStep + losses.size();
  }

  /** Loss of each step reported so far, from {@link #startStep()}. */
  public synchronized List<Double> losses() {
    return List.copyOf(losses);
  }

  /** Seconds since training started at the end of each reported step. */
  public synchronized List<Double> elapsedSeconds() {
    return List.copyOf(elapsed);
  }

  public synchronized int startStep() {
    return startStep;
  }

  /** Loss of the latest reported step, NaN before the first. */
  public synchronized double lastLoss() {
    return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
  }

  /** Whether {@code fit} has returned (successfully or not). */
  public synchronized boolean finished() {
    return finished;
  }

  /** Step records {step, loss, elapsed} as the accumulator holds them; keeps the longest view seen. */
  synchronized boolean update(List<double[]> records) {
    if (records.isEmpty() || records.size() <= losses.size() || finished) {
      return false;
    }
    List<double[]> sorted = new ArrayList<>(records);
    sorted.sort((a, b) -> Double.compare(a[0], b[0]));
    losses.clear();
    elapsed.clear();
    startStep = (int) sorted.get(0)[0];
    for (double[] r : sorted) {
      losses.add(r[1]);
      elapsed.add(r[2]);
    }
    return true;
  }

  /** The final, complete history from the run's result. */
  synchronized void finish(TrainingReport report) {
    if (report != null) {
      losses.clear();
      elapsed.clear();
      losses.addAll(report.losses());
      elapsed.addAll(report.elapsedSeconds());
      startStep = report.startStep();
    }
    finished = true;
  }

  @Override
  public synchronized String toString() {
    return String.format("TrainingProgress(%d/%d steps, loss %.4f%s)", stepsDone(), totalSteps, lastLoss(),
        finished ? ", finished" : "");
  }
}
