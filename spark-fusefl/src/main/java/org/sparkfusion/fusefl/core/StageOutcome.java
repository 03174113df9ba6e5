package org.sparkfusion.fusefl.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What one client task returns after a stage: the block it uploads (adaptor + block k, or the whole model for
 * the baselines), its private state for the next stage (its training network), and training metrics.
 */
public record StageOutcome(int client, int rows, byte[] upload, byte[] state, double loss, double accuracy,
    double seconds, long uploadParameters, long peakMemoryBytes) {

  public byte[] toBytes() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(client);
      out.writeInt(rows);
      out.writeInt(upload.length);
      out.write(upload);
      out.writeInt(state.length);
      out.write(state);
      out.writeDouble(loss);
      out.writeDouble(accuracy);
      out.writeDouble(seconds);
      out.writeLong(uploadParameters);
      out.writeLong(peakMemoryBytes);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static StageOutcome fromBytes(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      int client = in.readInt();
      int rows = in.readInt();
      byte[] upload = in.readNBytes(in.readInt());
      byte[] state = in.readNBytes(in.readInt());
      return new StageOutcome(client, rows, upload, state, in.readDouble(), in.readDouble(), in.readDouble(),
          in.readLong(), in.readLong());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
