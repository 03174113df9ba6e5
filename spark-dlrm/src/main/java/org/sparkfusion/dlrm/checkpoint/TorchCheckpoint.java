package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;

/**
 * Reads the tensors of a {@code torch.save} zip checkpoint: either a dict holding {@code state_dict} (other
 * entries such as optimizer state are parsed by the restricted unpickler and ignored) or a bare state_dict.
 */
final class TorchCheckpoint {

  private TorchCheckpoint() {}

  static Map<String, Tensor> read(String source, byte[] bytes) {
    if (!ZipArchive.looksLikeZip(bytes)) {
      throw new CheckpointFormatException(source + ": not a zip-format torch.save checkpoint (legacy pre-1.6 "
          + "checkpoints are not supported; re-save with torch.save(..., _use_new_zipfile_serialization=True))");
    }
    ZipArchive zip = new ZipArchive(source, bytes);
    String prefix = null;
    for (String name : zip.names()) {
      if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
        prefix = name.substring(0, name.length() - "data.pkl".length());
        break;
      }
    }
    if (prefix == null) {
      throw new CheckpointFormatException(source + ": no <archive>/data.pkl entry: not a torch.save checkpoint");
    }
    if (zip.contains(prefix + "byteorder")) {
      String order = new String(zip.read(prefix + "byteorder"), StandardCharsets.US_ASCII).trim();
      if (!order.equals("little")) {
        throw new CheckpointFormatException(source + ": byte order '" + order + "' is not supported (little only)");
      }
    }
    Object root = RestrictedUnpickler.load(source + "!" + prefix + "data.pkl", zip.read(prefix + "data.pkl"));
    Map<?, ?> stateDict = stateDictOf(source, root);
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, byte[]> storages = new java.util.HashMap<>();
    for (Map.Entry<?, ?> e : stateDict.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new CheckpointFormatException(source + ": state_dict has a non-string key " + e.getKey());
      }
      if (!(e.getValue() instanceof RestrictedUnpickler.TensorRef ref)) {
        throw new CheckpointFormatException(source + ": state_dict entry " + key + " is not a tensor");
      }
      byte[] data = storages.computeIfAbsent(ref.storage().key(), k -> zip.read(prefixData(zip, source, k)));
      out.put(key, materialize(source, key, ref, data));
    }
    return out;
  }

  private static String prefixData(ZipArchive zip, String source, String key) {
    for (String name : zip.names()) {
      if (name.endsWith("/data/" + key)) {
        return name;
      }
    }
    throw new CheckpointFormatException(source + ": storage data/" + key + " is missing from the archive");
  }

  private static Map<?, ?> stateDictOf(String source, Object root) {
    if (!(root instanceof Map<?, ?> m)) {
      throw new CheckpointFormatException(source + ": the checkpoint holds neither a dict with 'state_dict' nor a state_dict");
    }
    Object sd = m.get("state_dict");
    if (sd instanceof Map<?, ?> inner) {
      return inner;
    }
    if (sd != null) {
      throw new CheckpointFormatException(source + ": entry 'state_dict' is not a dict");
    }
    return m;
  }

  private static Tensor materialize(String source, String key, RestrictedUnpickler.TensorRef ref, byte[] data) {
    if (!ref.storage().dtype().equals("float32")) {
      throw new CheckpointFormatException(source + ": tensor " + key + " has dtype " + ref.storage().dtype()
          + "; only float32 is supported (convert the model with model.float() before torch.save)");
    }
    long[] shape = ref.shape();
    long[] stride = ref.stride();
    if (shape.length != stride.length) {
      throw new CheckpointFormatException(source + ": tensor " + key + " has " + shape.length + " sizes but "
          + stride.length + " strides");
    }
    long n = 1;
    long maxIndex = ref.offset();
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0 || stride[i] < 0) {
        throw new CheckpointFormatException(source + ": tensor " + key + " has a negative size or stride");
      }
      n *= shape[i];
      maxIndex += (shape[i] - 1) * stride[i];
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new CheckpointFormatException(source + ": tensor " + key + " has " + n + " elements (over 2^31)");
    }
    if (n > 0 && (maxIndex >= ref.storage().numel() || (maxIndex + 1) * 4 > data.length)) {
      throw new CheckpointFormatException(source + ": tensor " + key + " " + Arrays.toString(shape)
          + " reaches beyond its storage (" + data.length + " bytes): truncated or corrupt checkpoint");
    }
    ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    CacheAlignedRows storage = CacheAlignedRows.allocate((int) n);
    float[] values = storage.array();
    int base = storage.base();
    int[] idx = new int[shape.length];
    for (int k = 0; k < n; k++) {
      long at = ref.offset();
      for (int d = 0; d < shape.length; d++) {
        at += idx[d] * stride[d];
      }
      values[base + k] = buf.getFloat((int) (at * 4));
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return new Tensor(key, shape, storage, (int) n);
  }
}
