package org.sparkfusion.dagtrain;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Lossy or lossless encoding of a float tensor for the wire. Each encoding starts with a code byte so the
 * receiver decodes without knowing the sender's choice. Codes: 0 dense fp32, 1 top-k (compact indices,
 * fp16 values), 2 random-k (seed instead of indices, fp16 values), 3 int8 with a per-tensor scale, 4 dense fp16.
 */
abstract class Compressor {
  static final byte DENSE = 0;
  static final byte TOPK = 1;
  static final byte RANDOMK = 2;
  static final byte INT8 = 3;
  static final byte HALF = 4;

  abstract void encode(double[] x, DataOutputStream out, long seed) throws IOException;

  /** Kept fraction of entries this compressor aims at (1 for dense and int8). */
  abstract double fraction();

  static double[] decode(DataInputStream in, int n) throws IOException {
    byte code = in.readByte();
    double[] x = new double[n];
    switch (code) {
      case DENSE -> {
        // one bulk read, then big-endian floats from the array (a DataInputStream.readFloat per entry costs four
        // synchronized single-byte reads: the message path's main CPU cost before)
        if (4L * n > in.available()) {
          throw new IOException("truncated dense tensor: " + n + " floats need " + 4L * n + " bytes, " + in.available()
              + " left");
        }
        byte[] b = new byte[4 * n];
        in.readFully(b);
        ByteBuffer bb = ByteBuffer.wrap(b);
        for (int i = 0; i < n; i++) {
          x[i] = bb.getFloat(4 * i);
        }
      }
      case HALF -> {
        if (2L * n > in.available()) {
          throw new IOException("truncated fp16 tensor: " + n + " values need " + 2L * n + " bytes, " + in.available()
              + " left");
        }
        byte[] b = new byte[2 * n];
        in.readFully(b);
        ByteBuffer bb = ByteBuffer.wrap(b);
        for (int i = 0; i < n; i++) {
          x[i] = Half.toFloat(bb.getShort(2 * i));
        }
      }
      case TOPK -> {
        int k = readCount(in, n);
        int[] idx = IndexCodec.read(in, k, n);
        readHalves(in, idx, x);
      }
      case RANDOMK -> {
        int k = readCount(in, n);
        long seed = in.readLong();
        readHalves(in, RandomK.choose(n, k, seed), x);
      }
      case INT8 -> {
        float scale = in.readFloat();
        if (!(scale >= 0) || Float.isInfinite(scale)) {
          throw new IOException("invalid int8 scale " + scale);
        }
        byte[] q = new byte[n];
        in.readFully(q);
        for (int i = 0; i < n; i++) {
          x[i] = q[i] * scale;
        }
      }
      default -> throw new IOException("unknown compression code " + code);
    }
    return x;
  }

  /** fp16 values for the given indices, read in one piece. */
  private static void readHalves(DataInputStream in, int[] idx, double[] x) throws IOException {
    byte[] b = new byte[2 * idx.length];
    in.readFully(b);
    ByteBuffer bb = ByteBuffer.wrap(b);
    for (int j = 0; j < idx.length; j++) {
      x[idx[j]] = Half.toFloat(bb.getShort(2 * j));
    }
  }

  /** fp16 values of the given entries, written in one piece (the bytes of one writeShort per entry). */
  static void writeHalves(DataOutputStream out, double[] x, int[] idx) throws IOException {
    byte[] b = new byte[2 * idx.length];
    ByteBuffer bb = ByteBuffer.wrap(b);
    for (int j = 0; j < idx.length; j++) {
      bb.putShort(2 * j, Half.fromFloat((float) x[idx[j]]));
    }
    out.write(b);
  }

  private static int readCount(DataInputStream in, int n) throws IOException {
    int k = in.readInt();
    if (k < 0 || k > n) {
      throw new IOException("kept count " + k + " outside [0," + n + "]");
    }
    return k;
  }

  static int keep(int n, double fraction) {
    return Math.max(1, Math.min(n, (int) Math.ceil(fraction * n)));
  }

  /** Dense float32 (the "none" setting). */
  static final class Dense extends Compressor {
    @Override void encode(double[] x, DataOutputStream out, long seed) throws IOException {
      out.writeByte(DENSE);
      // the same bytes as one DataOutputStream.writeFloat per entry (floatToIntBits, big-endian), written at once
      byte[] b = new byte[4 * x.length];
      ByteBuffer bb = ByteBuffer.wrap(b);
      for (int i = 0; i < x.length; i++) {
        bb.putInt(4 * i, Float.floatToIntBits((float) x[i]));
      }
      out.write(b);
    }

    @Override double fraction() { return 1; }
  }

  /** Every entry in half precision: half the bytes of fp32, nothing dropped (relative error at most 2^-11). */
  static final class Fp16 extends Compressor {
    @Override void encode(double[] x, DataOutputStream out, long seed) throws IOException {
      out.writeByte(HALF);
      byte[] b = new byte[2 * x.length];
      ByteBuffer bb = ByteBuffer.wrap(b);
      for (int i = 0; i < x.length; i++) {
        bb.putShort(2 * i, Half.fromFloat((float) x[i]));
      }
      out.write(b);
    }

    @Override double fraction() { return 1; }
  }

  /** Keeps the k largest magnitudes. The fraction may be changed between messages (AdaTopK). */
  static final class TopK extends Compressor {
    volatile double fraction;

    TopK(double fraction) {
      this.fraction = fraction;
    }

    @Override double fraction() { return fraction; }

    @Override void encode(double[] x, DataOutputStream out, long seed) throws IOException {
      int n = x.length;
      if (fraction >= 1) {
        new Dense().encode(x, out, seed);
        return;
      }
      int k = keep(n, fraction);
      int[] idx = topIndices(x, k);
      out.writeByte(TOPK);
      out.writeInt(k);
      IndexCodec.write(out, idx, n);
      writeHalves(out, x, idx);
    }

    /** Sorted indices of the k entries with largest |x| (ties broken by lower index). */
    static int[] topIndices(double[] x, int k) {
      int n = x.length;
      if (k >= n) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
          all[i] = i;
        }
        return all;
      }
      double[] mags = new double[n];
      for (int i = 0; i < n; i++) {
        mags[i] = Math.abs(x[i]);
      }
      double threshold = kthLargest(mags.clone(), k);
      int above = 0;
      for (double m : mags) {
        if (m > threshold) {
          above++;
        }
      }
      int equalAllowed = k - above;
      int[] idx = new int[k];
      int j = 0;
      for (int i = 0; i < n && j < k; i++) {
        if (mags[i] > threshold) {
          idx[j++] = i;
        } else if (mags[i] == threshold && equalAllowed > 0) {
          idx[j++] = i;
          equalAllowed--;
        }
      }
      return idx;
    }
  }

  /**
   * The k-th largest value of {@code a} (1 <= k <= a.length), by iterative quickselect with a median-of-three
   * pivot, in expected linear time; reorders {@code a}.
   */
  static double kthLargest(double[] a, int k) {
    int target = a.length - k;
    int lo = 0;
    int hi = a.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      double pivot = Math.max(Math.min(a[lo], a[mid]), Math.min(Math.max(a[lo], a[mid]), a[hi]));
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          double t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      if (target <= j) {
        hi = j;
      } else if (target >= i) {
        lo = i;
      } else {
        return a[target];
      }
    }
    return a[target];
  }

  /** Keeps k entries chosen by a seeded generator; only the seed travels, not the indices. */
  static final class RandomK extends Compressor {
    final double fraction;

    RandomK(double fraction) {
      this.fraction = fraction;
    }

    @Override double fraction() { return fraction; }

    @Override void encode(double[] x, DataOutputStream out, long seed) throws IOException {
      int k = keep(x.length, fraction);
      out.writeByte(RANDOMK);
      out.writeInt(k);
      out.writeLong(seed);
      writeHalves(out, x, choose(x.length, k, seed));
    }

    /** k distinct sorted indices of [0,n) (Floyd's algorithm). */
    static int[] choose(int n, int k, long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      java.util.BitSet chosen = new java.util.BitSet(n);
      for (int j = n - k; j < n; j++) {
        int t = r.nextInt(j + 1);
        if (chosen.get(t)) {
          chosen.set(j);
        } else {
          chosen.set(t);
        }
      }
      return chosen.stream().toArray();
    }
  }

  /** Symmetric int8 quantisation with scale max|x|/127; error at most scale/2 per entry. */
  static final class Int8 extends Compressor {
    @Override double fraction() { return 1; }

    @Override void encode(double[] x, DataOutputStream out, long seed) throws IOException {
      double max = 0;
      for (double v : x) {
        max = Math.max(max, Math.abs(v));
      }
      float scale = (float) (max / 127);
      out.writeByte(INT8);
      out.writeFloat(scale);
      byte[] q = new byte[x.length];
      for (int i = 0; i < x.length; i++) {
        q[i] = (byte) (scale == 0 ? 0 : (int) Math.max(-127, Math.min(127, Math.round(x[i] / scale))));
      }
      out.write(q);
    }
  }
}
