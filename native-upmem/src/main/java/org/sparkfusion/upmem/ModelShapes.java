package org.sparkfusion.upmem;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Embedding table shapes of a DLRM model directory of {@code .npy} files named by state_dict key
 * ({@code emb_l.<k>.weight.npy}). Only the .npy headers are read (shape and dtype; no data, no code).
 */
final class ModelShapes {
  private static final Pattern FILE = Pattern.compile("emb_l\\.(\\d+)\\.weight\\.npy");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,?\\s*\\)");

  private ModelShapes() {}

  static TableShapes read(Path model) throws IOException {
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException("--model " + model + ": expected a directory of .npy files named by "
          + "state_dict key (emb_l.<k>.weight.npy); for a torch.save checkpoint, export it with bin/sparkfusion "
          + "or pass --tables ROWSxDIM,...");
    }
    Map<Integer, long[]> tables = new TreeMap<>();
    try (var files = Files.list(model)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = FILE.matcher(f.getFileName().toString());
        if (m.matches()) {
          tables.put(Integer.parseInt(m.group(1)), shape(f));
        }
      }
    }
    if (tables.isEmpty()) {
      throw new IllegalArgumentException("--model " + model + " holds no emb_l.<k>.weight.npy tables");
    }
    List<Long> rows = new ArrayList<>();
    int dim = -1;
    int expect = 0;
    for (Map.Entry<Integer, long[]> e : tables.entrySet()) {
      if (e.getKey() != expect++) {
        throw new IllegalArgumentException("--model " + model + ": emb_l." + (expect - 1) + ".weight.npy is missing");
      }
      if (dim >= 0 && e.getValue()[1] != dim) {
        throw new IllegalArgumentException("--model " + model + ": emb_l." + e.getKey() + ".weight has dim "
            + e.getValue()[1] + ", earlier tables " + dim);
      }
      dim = (int) e.getValue()[1];
      rows.add(e.getValue()[0]);
    }
    return new TableShapes(rows.stream().mapToLong(Long::longValue).toArray(), dim);
  }

  private static long[] shape(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f); DataInputStream d = new DataInputStream(in)) {
      byte[] magic = new byte[8];
      d.readFully(magic);
      if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY")) {
        throw new IllegalArgumentException(f + " is not a .npy file");
      }
      int len = magic[6] == 1 ? (d.readUnsignedByte() | d.readUnsignedByte() << 8) : Integer.reverseBytes(d.readInt());
      if (len <= 0 || len > 1 << 16) {
        throw new IllegalArgumentException(f + ": implausible .npy header length " + len);
      }
      byte[] header = new byte[len];
      d.readFully(header);
      String h = new String(header, StandardCharsets.ISO_8859_1);
      Matcher m = SHAPE.matcher(h);
      if (!m.find()) {
        throw new IllegalArgumentException(f + ": expected a 2-D table, header " + h.trim());
      }
      if (!h.contains("'<f4'")) {
        throw new IllegalArgumentException(f + ": expected float32 ('<f4'), header " + h.trim());
      }
      return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }
  }
}
