package org.sparkfusion.dagtrain;

import java.io.Serializable;
import org.apache.spark.BarrierTaskContext;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/** The function each barrier task runs: one {@link TaskSession}, returning its JSON summary. */
final class BarrierTrainTask extends AbstractFunction1<Iterator<Sample>, Iterator<String>> implements Serializable {
  private static final long serialVersionUID = 1L;
  private final TrainingSpec spec;

  BarrierTrainTask(TrainingSpec spec) {
    this.spec = spec;
  }

  @Override
  public Iterator<String> apply(Iterator<Sample> samples) {
    try {
      String result = new TaskSession(spec, BarrierTaskContext.get()).run(TaskSession.drain(samples));
      return CollectionConverters.asScala(java.util.List.of(result).iterator());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("dagtrain task failed: " + e.getMessage(), e);
    }
  }
}
