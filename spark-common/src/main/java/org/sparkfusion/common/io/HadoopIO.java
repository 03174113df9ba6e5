package org.sparkfusion.common.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Model and checkpoint IO through Hadoop's {@link FileSystem}, so {@code file://}, {@code hdfs://} and
 * object stores all work. Every write is atomic: content goes to a hidden temporary sibling first and is
 * renamed onto the target only after it was written completely, so a failed or interrupted write never
 * leaves a half-written target (and never removes a complete earlier one until the new one is whole).
 */
public final class HadoopIO {

  /** Writes content into an output stream; may throw. */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Fills a directory with files; may throw. */
  @FunctionalInterface
  public interface DirectoryWriter {
    void write(FileSystem fs, Path directory) throws IOException;
  }

  private HadoopIO() {}

  /** The file system of {@code path} under {@code conf}. */
  public static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
    return path.getFileSystem(conf);
  }

  /**
   * Writes one file atomically: to {@code .<name>.tmp-<uuid>} beside the target, then rename. If
   * {@code overwrite} is false and the target exists, fails before writing anything.
   */
  public static void writeFileAtomically(Path target, Configuration conf, boolean overwrite, StreamWriter writer)
      throws IOException {
    FileSystem fs = fileSystem(target, conf);
    if (!overwrite && fs.exists(target)) {
      throw new IOException("Refusing to overwrite existing file " + target);
    }
    Path tmp = temporarySibling(target);
    try {
      try (FSDataOutputStream out = fs.create(tmp, false)) {
        writer.write(out);
        out.hsync();
      }
      replace(fs, tmp, target, overwrite);
    } finally {
      deleteQuietly(fs, tmp);
    }
  }

  /**
   * Writes a directory atomically: the writer fills a temporary sibling directory, which is then renamed
   * onto {@code target}. With {@code overwrite}, an existing target is replaced only after the new
   * directory is complete.
   */
  public static void writeDirectoryAtomically(Path target, Configuration conf, boolean overwrite,
      DirectoryWriter writer) throws IOException {
    FileSystem fs = fileSystem(target, conf);
    if (!overwrite && fs.exists(target)) {
      throw new IOException("Refusing to overwrite existing path " + target);
    }
    Path tmp = temporarySibling(target);
    try {
      if (!fs.mkdirs(tmp)) {
        throw new IOException("Could not create temporary directory " + tmp);
      }
      writer.write(fs, tmp);
      replace(fs, tmp, target, overwrite);
    } finally {
      deleteQuietly(fs, tmp);
    }
  }

  /** Reads a whole file; fails with the path in the message if it is missing or larger than 2 GiB. */
  public static byte[] readAllBytes(Path path, Configuration conf) throws IOException {
    FileSystem fs = fileSystem(path, conf);
    if (!fs.exists(path)) {
      throw new IOException("No such file: " + path);
    }
    long length = fs.getFileStatus(path).getLen();
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("File too large to read into memory (" + length + " bytes): " + path);
    }
    try (InputStream in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  /** Opens a file for reading, naming the path if it is missing. */
  public static InputStream open(Path path, Configuration conf) throws IOException {
    FileSystem fs = fileSystem(path, conf);
    if (!fs.exists(path)) {
      throw new IOException("No such file: " + path);
    }
    return fs.open(path);
  }

  static Path temporarySibling(Path target) {
    return new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
  }

  private static void replace(FileSystem fs, Path tmp, Path target, boolean overwrite) throws IOException {
    Path parent = target.getParent();
    if (parent != null && !fs.exists(parent)) {
      fs.mkdirs(parent);
    }
    if (fs.exists(target)) {
      if (!overwrite) {
        throw new IOException("Target appeared while writing, not overwriting: " + target);
      }
      // Move the old one aside first so that a crash between the two renames keeps a complete copy.
      Path old = new Path(parent, "." + target.getName() + ".old-" + UUID.randomUUID());
      if (!fs.rename(target, old)) {
        throw new IOException("Could not move aside existing " + target);
      }
      if (!fs.rename(tmp, target)) {
        fs.rename(old, target);
        throw new IOException("Could not rename " + tmp + " to " + target);
      }
      fs.delete(old, true);
      return;
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("Could not rename " + tmp + " to " + target);
    }
  }

  private static void deleteQuietly(FileSystem fs, Path path) {
    try {
      if (fs.exists(path)) {
        fs.delete(path, true);
      }
    } catch (IOException ignored) {
      // Best effort: the temporary name is hidden and unique, so a leftover never shadows a real file.
    }
  }
}
