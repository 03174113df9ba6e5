package org.sparkfusion.dagtrain;

import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Driver side of {@link TrainingProgress}: picks the progress accumulator's value out of executor heartbeats (which
 * carry running tasks' accumulator values) and hands it on. Registered for one fit only.
 */
final class ProgressListener extends SparkListener {
  private final long accumulatorId;
  private final TrainingProgress progress;
  private final Consumer<TrainingProgress> callback;

  ProgressListener(long accumulatorId, TrainingProgress progress, Consumer<TrainingProgress> callback) {
    this.accumulatorId = accumulatorId;
    this.progress = progress;
    this.callback = callback;
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task
        : CollectionConverters.asJava(update.accumUpdates())) {
      for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
        if (info.id() == accumulatorId && info.update().isDefined() && info.update().get() instanceof List<?> l) {
          @SuppressWarnings("unchecked")
          List<double[]> records = (List<double[]>) l;
          if (progress.update(records) && callback != null) {
            callback.accept(progress);
          }
        }
      }
    }
  }
}
