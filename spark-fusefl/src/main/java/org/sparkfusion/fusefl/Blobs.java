package org.sparkfusion.fusefl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Packs named byte arrays into one byte[] (for broadcasts) and back. */
final class Blobs {
  private Blobs() {}

  static byte[] pack(Map<String, byte[]> named) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(named.size());
      for (Map.Entry<String, byte[]> e : named.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        out.write(e.getValue());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, byte[]> unpack(byte[] packed) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(packed));
      int n = in.readInt();
      Map<String, byte[]> named = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String key = in.readUTF();
        named.put(key, in.readNBytes(in.readInt()));
      }
      return named;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
