package org.sparkfusion.dagtrain;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serialises named tensors for one message. Int tensors always travel losslessly; float tensors through the
 * link's compressor, optionally with error feedback (the part dropped by compression is added to the next
 * message of the same tensor name).
 */
final class TensorCodec {
  private static final int MAX_RANK = 8;
  private final Map<String, double[]> residuals = new HashMap<>();
  final boolean errorFeedback;
  long denseBytes;
  long sentBytes;
  long floatsSent;
  long floatsKept;

  TensorCodec(boolean errorFeedback) {
    this.errorFeedback = errorFeedback;
  }

  synchronized byte[] encode(Map<String, Tensor> tensors, Map<String, DType> types, Compressor c, long seed) {
    try {
      long estimate = 4;
      for (Tensor t : tensors.values()) {
        estimate += 64 + 4L * t.size();
      }
      // sized for the dense message at once (growing by doubling from 32 bytes copied each message several times)
      ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(estimate, Integer.MAX_VALUE - 64));
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(tensors.size());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        Tensor t = e.getValue();
        out.writeUTF(e.getKey());
        out.writeByte(t.shape.length);
        for (int d : t.shape) {
          out.writeInt(d);
        }
        DType type = types.getOrDefault(e.getKey(), DType.FLOAT);
        out.writeByte(type.ordinal());
        if (type == DType.INT) {
          byte[] b = new byte[4 * t.data.length];
          ByteBuffer bb = ByteBuffer.wrap(b);
          for (int i = 0; i < t.data.length; i++) {
            bb.putInt(4 * i, (int) t.data[i]);
          }
          out.write(b);
          continue;
        }
        denseBytes += 4L * t.size();
        double[] x = t.data;
        if (errorFeedback && !(c instanceof Compressor.Dense)) {
          double[] r = residuals.get(e.getKey());
          x = x.clone();
          if (r != null && r.length == x.length) {
            for (int i = 0; i < x.length; i++) {
              x[i] += r[i];
            }
          }
          ByteArrayOutputStream one = new ByteArrayOutputStream();
          c.encode(x, new DataOutputStream(one), seed ^ e.getKey().hashCode());
          double[] back = Compressor.decode(new DataInputStream(new ByteArrayInputStream(one.toByteArray())), x.length);
          double[] nr = new double[x.length];
          for (int i = 0; i < x.length; i++) {
            nr[i] = x[i] - back[i];
          }
          residuals.put(e.getKey(), nr);
          out.write(one.toByteArray());
        } else {
          c.encode(x, out, seed ^ e.getKey().hashCode());
        }
        floatsSent += x.length;
        floatsKept += Math.round(c.fraction() >= 1 ? x.length : (double) Compressor.keep(x.length, c.fraction()));
      }
      out.flush();
      byte[] b = bytes.toByteArray();
      sentBytes += b.length;
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Tensor> decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    int count = in.readInt();
    if (count < 0 || count > 10_000) {
      throw new IOException("message claims " + count + " tensors");
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int k = 0; k < count; k++) {
      String name = in.readUTF();
      int rank = in.readByte();
      if (rank < 0 || rank > MAX_RANK) {
        throw new IOException("tensor '" + name + "' has invalid rank " + rank);
      }
      int[] shape = new int[rank];
      long n = 1;
      for (int i = 0; i < rank; i++) {
        shape[i] = in.readInt();
        n *= shape[i];
        if (shape[i] < 0 || n > payload.length * 64L + 1024) {
          throw new IOException("tensor '" + name + "' has implausible shape");
        }
      }
      int type = in.readByte();
      double[] data;
      if (type == DType.INT.ordinal()) {
        if (4 * n > in.available()) {
          throw new IOException("tensor '" + name + "' is truncated: " + n + " ints need " + 4 * n + " bytes, "
              + in.available() + " left");
        }
        data = new double[(int) n];
        byte[] b = new byte[4 * (int) n];
        in.readFully(b);
        ByteBuffer bb = ByteBuffer.wrap(b);
        for (int i = 0; i < n; i++) {
          data[i] = bb.getInt(4 * i);
        }
      } else if (type == DType.FLOAT.ordinal()) {
        data = Compressor.decode(in, (int) n);
      } else {
        throw new IOException("tensor '" + name + "' has unknown dtype code " + type);
      }
      out.put(name, new Tensor(shape, data));
    }
    if (in.available() > 0) {
      throw new IOException(in.available() + " unexpected trailing bytes in tensor message");
    }
    return out;
  }

  /** Realised kept fraction of float entries so far. */
  synchronized double keptFraction() {
    return floatsSent == 0 ? 1 : (double) floatsKept / floatsSent;
  }
}
