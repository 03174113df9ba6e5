package org.sparkfusion.dagtrain;

import org.apache.spark.api.java.function.PairFunction;
import scala.Tuple2;

/** Numbers each sample with its position in the data and keys it 0 for {@link AllToFirstPartition}. */
final class KeyedByZero implements PairFunction<Tuple2<Sample, Long>, Integer, Sample> {
  private static final long serialVersionUID = 1L;

  @Override
  public Tuple2<Integer, Sample> call(Tuple2<Sample, Long> s) {
    s._1().index = s._2();
    return new Tuple2<>(0, s._1());
  }
}
