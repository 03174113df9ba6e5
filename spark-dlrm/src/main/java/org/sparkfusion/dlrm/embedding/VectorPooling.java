package org.sparkfusion.dlrm.embedding;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp32 sum pooling with the JDK Vector API: for each bag, a slice of up to 8 vectors of the output row is
 * accumulated in registers across all of the bag's rows and stored once, so the loads of consecutive rows are
 * independent and their cache misses overlap. The summation order per value is the bag order, the same as the
 * scalar loop, so results are bit-identical. Only loaded when the JVM has {@code jdk.incubator.vector}.
 */
final class VectorPooling {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private VectorPooling() {}

  /**
   * Pools table {@code w} (dim {@code d}, row 0 at {@code w[w0]}) for {@code numBags} bags into
   * {@code out[b*stride + base ..]}.
   */
  static void pool(float[] w, int w0, int d, int[] idx, int[] off, int numBags, float[] out, int stride, int base) {
    for (int b = 0; b < numBags; b++) {
      int o = b * stride + base;
      int start = off[b];
      int end = off[b + 1];
      int c = 0;
      // Whole 64-float rows (AVX2) in one pass: each row's cache lines are requested together, once.
      for (; c + 8 * L <= d; c += 8 * L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int k = start; k < end; k++) {
          int r = w0 + idx[k] * d + c;
          a0 = a0.add(FloatVector.fromArray(S, w, r));
          a1 = a1.add(FloatVector.fromArray(S, w, r + L));
          a2 = a2.add(FloatVector.fromArray(S, w, r + 2 * L));
          a3 = a3.add(FloatVector.fromArray(S, w, r + 3 * L));
          a4 = a4.add(FloatVector.fromArray(S, w, r + 4 * L));
          a5 = a5.add(FloatVector.fromArray(S, w, r + 5 * L));
          a6 = a6.add(FloatVector.fromArray(S, w, r + 6 * L));
          a7 = a7.add(FloatVector.fromArray(S, w, r + 7 * L));
        }
        a0.intoArray(out, o + c);
        a1.intoArray(out, o + c + L);
        a2.intoArray(out, o + c + 2 * L);
        a3.intoArray(out, o + c + 3 * L);
        a4.intoArray(out, o + c + 4 * L);
        a5.intoArray(out, o + c + 5 * L);
        a6.intoArray(out, o + c + 6 * L);
        a7.intoArray(out, o + c + 7 * L);
      }
      for (; c + 4 * L <= d; c += 4 * L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int k = start; k < end; k++) {
          int r = w0 + idx[k] * d + c;
          a0 = a0.add(FloatVector.fromArray(S, w, r));
          a1 = a1.add(FloatVector.fromArray(S, w, r + L));
          a2 = a2.add(FloatVector.fromArray(S, w, r + 2 * L));
          a3 = a3.add(FloatVector.fromArray(S, w, r + 3 * L));
        }
        a0.intoArray(out, o + c);
        a1.intoArray(out, o + c + L);
        a2.intoArray(out, o + c + 2 * L);
        a3.intoArray(out, o + c + 3 * L);
      }
      for (; c + 2 * L <= d; c += 2 * L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        for (int k = start; k < end; k++) {
          int r = w0 + idx[k] * d + c;
          a0 = a0.add(FloatVector.fromArray(S, w, r));
          a1 = a1.add(FloatVector.fromArray(S, w, r + L));
        }
        a0.intoArray(out, o + c);
        a1.intoArray(out, o + c + L);
      }
      for (; c + L <= d; c += L) {
        FloatVector a0 = FloatVector.zero(S);
        for (int k = start; k < end; k++) {
          a0 = a0.add(FloatVector.fromArray(S, w, w0 + idx[k] * d + c));
        }
        a0.intoArray(out, o + c);
      }
      for (; c < d; c++) {
        float s = 0f;
        for (int k = start; k < end; k++) {
          s += w[w0 + idx[k] * d + c];
        }
        out[o + c] = s;
      }
    }
  }
}
