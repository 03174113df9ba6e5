package org.sparkfusion.dlrm.embedding;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * int8 sum pooling with the JDK Vector API over {@link Int8EmbeddingBackend}'s row layout ({@code dim} signed
 * codes, then scale and bias). Per bag, each block of up to 4 float vectors accumulates {@code scale * code} over
 * the bag's rows with a fused multiply-add, and the bag's bias sum is added once at the end. Only loaded when the
 * JVM has {@code jdk.incubator.vector}.
 */
final class Int8VectorPooling {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final VectorSpecies<Byte> B = byteSpecies();

  private Int8VectorPooling() {}

  private static VectorSpecies<Byte> byteSpecies() {
    try {
      return VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    } catch (IllegalArgumentException e) {
      return null; // e.g. 128-bit float vectors would need 32-bit byte vectors, which do not exist
    }
  }

  /** Whether this CPU's preferred float shape has a matching byte shape (else the caller pools in scalar code). */
  static boolean supported() {
    return B != null;
  }

  static void pool(byte[] data, int d, int[] idx, int[] off, int numBags, float[] out, int stride, int base) {
    int rowBytes = d + 8;
    for (int b = 0; b < numBags; b++) {
      int o = b * stride + base;
      int start = off[b];
      int end = off[b + 1];
      float biasSum = 0f;
      int c = 0;
      for (; c + 4 * L <= d; c += 4 * L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int k = start; k < end; k++) {
          int r = idx[k] * rowBytes;
          FloatVector s = FloatVector.broadcast(S, (float) Int8EmbeddingBackend.FLOAT.get(data, r + d));
          a0 = widen(data, r + c).fma(s, a0);
          a1 = widen(data, r + c + L).fma(s, a1);
          a2 = widen(data, r + c + 2 * L).fma(s, a2);
          a3 = widen(data, r + c + 3 * L).fma(s, a3);
        }
        a0.intoArray(out, o + c);
        a1.intoArray(out, o + c + L);
        a2.intoArray(out, o + c + 2 * L);
        a3.intoArray(out, o + c + 3 * L);
      }
      for (; c + L <= d; c += L) {
        FloatVector a0 = FloatVector.zero(S);
        for (int k = start; k < end; k++) {
          int r = idx[k] * rowBytes;
          a0 = widen(data, r + c).fma(FloatVector.broadcast(S, (float) Int8EmbeddingBackend.FLOAT.get(data, r + d)), a0);
        }
        a0.intoArray(out, o + c);
      }
      for (; c < d; c++) {
        float s = 0f;
        for (int k = start; k < end; k++) {
          int r = idx[k] * rowBytes;
          s += (float) Int8EmbeddingBackend.FLOAT.get(data, r + d) * data[r + c];
        }
        out[o + c] = s;
      }
      for (int k = start; k < end; k++) {
        biasSum += (float) Int8EmbeddingBackend.FLOAT.get(data, idx[k] * rowBytes + d + 4);
      }
      for (int q = 0; q < d; q++) {
        out[o + q] += biasSum;
      }
    }
  }

  private static FloatVector widen(byte[] data, int offset) {
    return (FloatVector) ByteVector.fromArray(B, data, offset).convertShape(VectorOperators.B2F, S, 0);
  }
}
