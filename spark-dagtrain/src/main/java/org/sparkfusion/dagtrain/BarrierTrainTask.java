package org.sparkfusion.dagtrain;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.util.CollectionAccumulator;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The function each barrier task runs: one {@link TaskSession}, returning one record, its JSON summary and its
 * stage's trained parameters ({@link #encode}).
 */
final class BarrierTrainTask extends AbstractFunction1<Iterator<Sample>, Iterator<byte[]>> implements Serializable {
  private static final long serialVersionUID = 1L;
  private final TrainingSpec spec;
  private final CollectionAccumulator<double[]> progress;

  BarrierTrainTask(TrainingSpec spec, CollectionAccumulator<double[]> progress) {
    this.spec = spec;
    this.progress = progress;
  }

  /** [length of the JSON][JSON, UTF-8][weights]. */
  static byte[] encode(String json, byte[] weights) {
    byte[] j = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(Math.addExact(4 + j.length, weights.length)).putInt(j.length).put(j).put(weights).array();
  }

  /** The JSON summary and the weights of one task's record. */
  static Object[] decode(byte[] record) {
    ByteBuffer b = ByteBuffer.wrap(record);
    int len = b.getInt();
    if (len < 0 || len > record.length - 4) {
      throw new IllegalStateException("a training task returned a malformed result (" + record.length + " bytes)");
    }
    String json = new String(record, 4, len, StandardCharsets.UTF_8);
    byte[] weights = java.util.Arrays.copyOfRange(record, 4 + len, record.length);
    return new Object[] {json, weights};
  }

  @Override
  public Iterator<byte[]> apply(Iterator<Sample> samples) {
    try {
      TaskSession session = new TaskSession(spec, BarrierTaskContext.get(), progress);
      String result = session.run(TaskSession.drain(samples));
      return CollectionConverters.asScala(java.util.List.of(encode(result, session.weights)).iterator());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("dagtrain task failed: " + e.getMessage(), e);
    }
  }
}
