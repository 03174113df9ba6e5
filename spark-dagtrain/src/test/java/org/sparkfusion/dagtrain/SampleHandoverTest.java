package org.sparkfusion.dagtrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The samples task 0 hands to the task running the first stage arrive unchanged and in order. */
class SampleHandoverTest {
  @Test void samplesSurviveTheHandoverEncoding() throws Exception {
    List<Sample> in = new ArrayList<>();
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int i = 0; i < 50; i++) {
      Sample s = new Sample(new float[][] {{i, -i, Float.NaN, (float) r.nextDouble()}, new float[i % 3]});
      s.index = 1000L + i;
      in.add(s);
    }
    List<Sample> out = TaskSession.decodeSamples(TaskSession.encodeSamples(in));
    assertEquals(in.size(), out.size());
    for (int i = 0; i < in.size(); i++) {
      assertEquals(in.get(i).index, out.get(i).index);
      assertEquals(in.get(i).values.length, out.get(i).values.length);
      for (int k = 0; k < in.get(i).values.length; k++) {
        assertArrayEquals(in.get(i).values[k], out.get(i).values[k]);
      }
    }
    assertEquals(0, TaskSession.decodeSamples(TaskSession.encodeSamples(List.of())).size());
  }
}
