package org.sparkfusion.fusefl.core;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Reads and writes a {@link Predictor} as named files: {@code manifest.properties} (an allow-listed set of
 * keys), DL4J ModelSerializer zips and a binary classifier head. Never uses Java serialization.
 */
public final class PredictorFiles {
  public static final String MANIFEST = "manifest.properties";
  static final int VERSION = 1;
  private static final Set<String> KEYS = Set.of("version", "kind", "classes", "blocks", "clients", "adaptor", "head");
  private static final Set<String> KINDS = Set.of("fusefl", "ensemble", "fedavg", "local");

  private PredictorFiles() {}

  static byte[] manifest(String kind, int classes, int blocks, int clients, String adaptor) {
    return manifest(kind, classes, blocks, clients, adaptor, null);
  }

  /** @param head the fused head's input ("sum" or "concat"), or null for models without one */
  static byte[] manifest(String kind, int classes, int blocks, int clients, String adaptor, String head) {
    String text = "version=" + VERSION + "\nkind=" + kind + "\nclasses=" + classes + "\nblocks=" + blocks
        + "\nclients=" + clients + "\nadaptor=" + adaptor + "\n" + (head == null ? "" : "head=" + head + "\n");
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Rebuilds a predictor; {@code where} names the location in error messages. */
  public static Predictor read(Map<String, byte[]> files, String where) {
    byte[] manifestBytes = files.get(MANIFEST);
    if (manifestBytes == null) {
      throw new IllegalArgumentException("No " + MANIFEST + " in model " + where);
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(manifestBytes, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new IllegalArgumentException("Unreadable " + MANIFEST + " in " + where, e);
    }
    for (String key : p.stringPropertyNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("Unknown key '" + key + "' in " + MANIFEST + " of " + where);
      }
    }
    if (!String.valueOf(VERSION).equals(p.getProperty("version"))) {
      throw new IllegalArgumentException("Unsupported model version " + p.getProperty("version") + " in " + where);
    }
    String kind = p.getProperty("kind", "");
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("Unknown model kind '" + kind + "' in " + where);
    }
    int classes = intKey(p, "classes", where);
    int blocks = intKey(p, "blocks", where);
    int clients = intKey(p, "clients", where);
    switch (kind) {
      case "fusefl": {
        String head = p.getProperty("head", "sum");
        if (!head.equals("sum") && !head.equals("concat")) {
          throw new IllegalArgumentException("Bad 'head' value '" + head + "' in " + MANIFEST + " of " + where
              + " (sum or concat)");
        }
        FusedNetwork fused = new FusedNetwork(blocks, classes, Adaptor.parse(p.getProperty("adaptor", "")),
            head.equals("concat"));
        for (int k = 0; k < blocks; k++) {
          List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> branches = new ArrayList<>();
          for (int m = 0; m < clients; m++) {
            branches.add(Networks.fromBytes(require(files, "branch-" + k + "-" + m + ".zip", where),
                "branch-" + k + "-" + m + ".zip in " + where));
          }
          fused.addStage(branches);
        }
        try {
          fused.setHead(SoftmaxHead.read(new DataInputStream(new ByteArrayInputStream(
              require(files, "head.bin", where))), "head.bin in " + where));
        } catch (IOException e) {
          throw new IllegalArgumentException("Truncated head.bin in " + where, e);
        }
        return fused;
      }
      case "ensemble": {
        List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> members = new ArrayList<>();
        for (int m = 0; m < clients; m++) {
          members.add(Networks.fromBytes(require(files, "member-" + m + ".zip", where), "member-" + m + " in " + where));
        }
        return new EnsembleNetwork(members, classes);
      }
      default:
        return new SingleNetwork(Networks.fromBytes(require(files, "model.zip", where), "model.zip in " + where),
            classes, kind);
    }
  }

  private static byte[] require(Map<String, byte[]> files, String name, String where) {
    byte[] b = files.get(name);
    if (b == null) {
      throw new IllegalArgumentException("Missing " + name + " in model " + where);
    }
    return b;
  }

  private static int intKey(Properties p, String key, String where) {
    try {
      return Integer.parseInt(p.getProperty(key, "").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Bad or missing '" + key + "' in " + MANIFEST + " of " + where);
    }
  }
}
