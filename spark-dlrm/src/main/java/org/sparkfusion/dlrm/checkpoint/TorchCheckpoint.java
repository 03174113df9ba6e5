package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;

/**
 * Reads the tensors of a {@code torch.save} zip checkpoint: either a dict holding {@code state_dict} (other
 * entries such as optimizer state are parsed by the restricted unpickler and ignored) or a bare state_dict.
 * Every size comes from the file and is checked before use: a storage entry must hold exactly the bytes its
 * pickle reference declares, and a tensor's view (offset, shape, strides) must lie inside its storage, all in
 * checked 64-bit arithmetic.
 */
final class TorchCheckpoint {
  /** Largest data.pkl accepted: it only describes tensors, the values live in the storage entries. */
  static final long MAX_PICKLE_BYTES = 64L << 20;

  private TorchCheckpoint() {}

  static Map<String, Tensor> read(String source, byte[] bytes) {
    return read(source, ByteSource.of(bytes));
  }

  static Map<String, Tensor> read(String source, ByteSource in) {
    byte[] head = new byte[(int) Math.min(4, in.length())];
    in.read(0, head, 0, head.length);
    if (!ZipArchive.looksLikeZip(head)) {
      throw new CheckpointFormatException(source + ": not a zip-format torch.save checkpoint (legacy pre-1.6 "
          + "checkpoints are not supported; re-save with torch.save(..., _use_new_zipfile_serialization=True))");
    }
    ZipArchive zip = new ZipArchive(source, in);
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
      String order = new String(zip.read(prefix + "byteorder", -1, 16, "byte order"), StandardCharsets.US_ASCII).trim();
      if (!order.equals("little")) {
        throw new CheckpointFormatException(source + ": byte order '" + order + "' is not supported (little only)");
      }
    }
    Object root = RestrictedUnpickler.load(source + "!" + prefix + "data.pkl",
        zip.read(prefix + "data.pkl", -1, MAX_PICKLE_BYTES, "the pickle"));
    Map<?, ?> stateDict = stateDictOf(source, root);
    if (stateDict.isEmpty()) {
      throw new CheckpointFormatException(source + ": the checkpoint's state_dict holds no tensors");
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, byte[]> storages = new HashMap<>();
    Map<String, Long> numels = new HashMap<>();
    for (Map.Entry<?, ?> e : stateDict.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new CheckpointFormatException(source + ": state_dict has a non-string key ("
            + RestrictedUnpickler.describe(e.getKey()) + ")");
      }
      if (!(e.getValue() instanceof RestrictedUnpickler.TensorRef ref)) {
        throw new CheckpointFormatException(source + ": state_dict entry " + key + " is not a tensor");
      }
      RestrictedUnpickler.StorageRef s = ref.storage();
      if (!s.dtype().equals("float32")) {
        throw new CheckpointFormatException(source + ": tensor " + key + " has dtype " + s.dtype()
            + "; only float32 is supported (convert the model with model.float() before torch.save)");
      }
      Long seen = numels.putIfAbsent(s.key(), s.numel());
      if (seen != null && seen != s.numel()) {
        throw new CheckpointFormatException(source + ": tensor " + key + " says storage data/" + s.key() + " holds "
            + s.numel() + " values but another tensor says " + seen + " (corrupt or forged checkpoint)");
      }
      String entry = prefix + "data/" + s.key();
      if (!zip.contains(entry)) {
        throw new CheckpointFormatException(source + ": storage data/" + s.key() + " of tensor " + key
            + " is missing from the archive");
      }
      long bytes = storageBytes(source, key, s);
      byte[] data = storages.get(s.key());
      if (data == null) {
        data = zip.read(entry, bytes, ZipArchive.MAX_ENTRY, "storage of tensor " + key);
        storages.put(s.key(), data);
      }
      out.put(key, materialize(source, key, ref, data));
    }
    return out;
  }

  private static long storageBytes(String source, String key, RestrictedUnpickler.StorageRef s) {
    if (s.numel() < 0 || s.numel() > ZipArchive.MAX_ENTRY / Float.BYTES) {
      throw new CheckpointFormatException(source + ": tensor " + key + ": storage data/" + s.key() + " declares "
          + s.numel() + " values; one storage must hold 0.." + ZipArchive.MAX_ENTRY / Float.BYTES
          + " float32 values (under 2 GB)");
    }
    return s.numel() * Float.BYTES;
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
    String where = source + ": tensor " + key;
    long[] shape = ref.shape();
    long[] stride = ref.stride();
    if (shape.length != stride.length) {
      throw new CheckpointFormatException(where + " has " + shape.length + " sizes but " + stride.length + " strides");
    }
    for (long st : stride) {
      if (st < 0) {
        throw new CheckpointFormatException(where + " has a negative stride " + Arrays.toString(stride));
      }
    }
    if (ref.offset() < 0) {
      throw new CheckpointFormatException(where + " has a negative storage offset " + ref.offset());
    }
    int n = Shapes.elementCount(where, shape);
    long numel = ref.storage().numel();
    if (n > 0) {
      // Last value the view touches: offset + sum (size - 1) * stride, in checked arithmetic.
      long last;
      try {
        last = ref.offset();
        for (int i = 0; i < shape.length; i++) {
          last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
      } catch (ArithmeticException e) {
        last = Long.MAX_VALUE;
      }
      if (last >= numel) {
        throw new CheckpointFormatException(where + " " + Arrays.toString(shape) + " with strides "
            + Arrays.toString(stride) + " from offset " + ref.offset() + " reaches beyond its storage of " + numel
            + " values (corrupt or forged checkpoint)");
      }
    }
    ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    CacheAlignedRows storage = CacheAlignedRows.allocate(n);
    float[] values = storage.array();
    int base = storage.base();
    int[] idx = new int[shape.length];
    for (int k = 0; k < n; k++) {
      long at = ref.offset();
      for (int d = 0; d < shape.length; d++) {
        at += idx[d] * stride[d];
      }
      // at <= last < numel and data holds exactly numel floats, so at * 4 fits an int.
      values[base + k] = buf.getFloat((int) (at * Float.BYTES));
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return new Tensor(key, shape, storage, n);
  }
}
