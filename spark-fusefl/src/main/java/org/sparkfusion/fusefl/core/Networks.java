package org.sparkfusion.fusefl.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Network bytes (DL4J ModelSerializer zip, no updater state) and layer-wise parameter copies. */
public final class Networks {
  private Networks() {}

  public static byte[] toBytes(MultiLayerNetwork net) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ModelSerializer.writeModel(net, out, false);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Classes of ours a network configuration may name; besides them only DL4J's and ND4J's own classes are
   * accepted (checked before DL4J's JSON reader instantiates anything).
   */
  static final Set<String> OWN_CLASSES = Set.of(FastConvolution.class.getName(), PixelRows.class.getName(),
      PixelRowsToVector.class.getName(), CosineDecay.class.getName());
  private static final Pattern CLASS_FIELD = Pattern.compile("\"@class\"\\s*:\\s*\"([^\"]*)\"");

  /** Rejects a configuration that names a class outside DL4J/ND4J and {@link #OWN_CLASSES}. */
  static void checkClasses(byte[] zip, String what) throws IOException {
    String json = null;
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().equals("configuration.json")) {
          json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    }
    if (json == null) {
      throw new IllegalArgumentException("no configuration.json");
    }
    Matcher m = CLASS_FIELD.matcher(json);
    while (m.find()) {
      String c = m.group(1);
      boolean dl4j = c.startsWith("org.deeplearning4j.") || c.startsWith("org.nd4j.");
      if (!dl4j && !OWN_CLASSES.contains(c)) {
        throw new IllegalArgumentException("its configuration names class " + c
            + ", which is neither DL4J's nor one of " + new TreeSet<>(OWN_CLASSES));
      }
    }
  }

  public static MultiLayerNetwork fromBytes(byte[] bytes, String what) {
    try {
      checkClasses(bytes, what);
      return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("Cannot read network " + what + ": " + e.getMessage(), e);
    }
  }

  /** Copies {@code count} consecutive layers' parameters (including BatchNorm statistics). */
  public static void copyLayers(MultiLayerNetwork src, int srcStart, MultiLayerNetwork dst, int dstStart, int count) {
    for (int i = 0; i < count; i++) {
      Map<String, INDArray> table = src.getLayer(srcStart + i).paramTable();
      for (Map.Entry<String, INDArray> e : table.entrySet()) {
        dst.getLayer(dstStart + i).setParam(e.getKey(), e.getValue().dup());
      }
    }
  }

  /** Number of trainable values (parameters and BatchNorm statistics). */
  public static long parameterCount(MultiLayerNetwork net) {
    return net.numParams();
  }
}
