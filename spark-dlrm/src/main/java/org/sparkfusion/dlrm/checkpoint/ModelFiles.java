package org.sparkfusion.dlrm.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkfusion.common.io.HadoopIO;

/**
 * Reads and writes DLRM weights on any Hadoop path. Two formats are read: a {@code torch.save} zip checkpoint
 * (a file) and a directory of {@code <state_dict key>.npy} files; the result is the state_dict as
 * fp32 tensors keyed by name.
 */
public final class ModelFiles {

  private ModelFiles() {}

  /** Reads the state_dict at {@code path} (a torch.save file or a directory of .npy files). */
  public static Map<String, Tensor> read(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = HadoopIO.fileSystem(p, conf);
      if (!fs.exists(p)) {
        throw new CheckpointFormatException("DLRM model path does not exist: " + path);
      }
      if (fs.getFileStatus(p).isDirectory()) {
        return readNpyDirectory(fs, p, conf);
      }
      // Read by positioned reads, entry by entry: a checkpoint may be larger than one Java array (zip64).
      long length = fs.getFileStatus(p).getLen();
      try (ByteSource in = ByteSource.of(path, fs.open(p), length)) {
        return TorchCheckpoint.read(path, in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read DLRM model " + path + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, Tensor> readNpyDirectory(FileSystem fs, Path dir, Configuration conf) throws IOException {
    Map<String, Tensor> sorted = new TreeMap<>();
    for (FileStatus f : fs.listStatus(dir)) {
      String name = f.getPath().getName();
      if (f.isFile() && name.endsWith(".npy") && !name.startsWith(".")) {
        String key = name.substring(0, name.length() - 4);
        if (f.getLen() > ZipArchive.MAX_ENTRY) {
          throw new CheckpointFormatException(f.getPath() + ": tensor " + key + " file has " + f.getLen()
              + " bytes; one .npy tensor must be under 2 GB");
        }
        sorted.put(key, NpyFormat.read(f.getPath().toString(), key, HadoopIO.readAllBytes(f.getPath(), conf)));
      }
    }
    if (sorted.isEmpty()) {
      throw new CheckpointFormatException(dir + ": directory holds no .npy files (expected <state_dict key>.npy)");
    }
    return new LinkedHashMap<>(sorted);
  }

  /** Writes {@code tensors} atomically as a directory of .npy files at {@code path}. */
  public static void writeNpyDirectory(String path, Map<String, Tensor> tensors, Configuration conf, boolean overwrite) {
    try {
      HadoopIO.writeDirectoryAtomically(new Path(path), conf, overwrite, (fs, dir) -> {
        for (Tensor t : tensors.values()) {
          try (var out = fs.create(new Path(dir, t.name() + ".npy"), false)) {
            out.write(NpyFormat.write(t));
          }
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write DLRM model to " + path + ": " + e.getMessage(), e);
    }
  }
}
