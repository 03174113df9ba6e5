package org.sparkfusion.fusefl.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
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

  public static MultiLayerNetwork fromBytes(byte[] bytes, String what) {
    try {
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
