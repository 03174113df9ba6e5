package org.sparkfusion.common.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
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

  /** Creates {@code directory} (which does not exist yet) and fills it, e.g. with Spark's DataFrameWriter. */
  @FunctionalInterface
  public interface OutputWriter {
    void write(Path directory) throws IOException;
  }

  private HadoopIO() {}

  /**
   * Fails, naming the path, if {@code target} exists and {@code overwrite} is false: the check a job makes before
   * doing any work. Also puts back a previous result that a run killed in the middle of a swap left aside.
   */
  public static void checkOutput(Path target, Configuration conf, boolean overwrite) throws IOException {
    FileSystem fs = fileSystem(target, conf);
    recoverAside(fs, target);
    if (!overwrite && fs.exists(target)) {
      throw new IOException(target + " already exists (pass --overwrite to replace it)");
    }
  }

  /**
   * Writes a job's output directory atomically, on any Hadoop file system: the writer creates and fills
   * {@code .<name>._temporary-<uuid>} beside {@code target}, which is renamed onto {@code target} only after the
   * writer returned. With {@code overwrite} the previous result is moved aside, the new one renamed in, then the
   * old one deleted; if the second rename fails the old one is put back. A failure or a kill at any point leaves
   * the previous result (or nothing) at {@code target}; a killed run's temporary sibling is hidden, never read as
   * a result, and removed by a later successful run.
   */
  public static void commitDirectory(Path target, Configuration conf, boolean overwrite, OutputWriter writer)
      throws IOException {
    Staged staged = stage(target, conf, overwrite);
    try {
      writer.write(staged.path());
      staged.commit();
    } finally {
      staged.abort();
    }
  }

  /**
   * A temporary sibling for {@code target}, for jobs that write several outputs and commit them together: fill
   * {@link Staged#path()}, then {@link Staged#commit()}; {@link Staged#abort()} (a no-op after commit) removes it.
   */
  public static Staged stage(Path target, Configuration conf, boolean overwrite) throws IOException {
    checkOutput(target, conf, overwrite);
    return new Staged(fileSystem(target, conf), target, overwrite);
  }

  /** One staged output: see {@link #stage}. */
  public static final class Staged {
    private final FileSystem fs;
    private final Path target;
    private final boolean overwrite;
    private final Path tmp;
    private final long started = System.currentTimeMillis();
    private boolean committed;

    private Staged(FileSystem fs, Path target, boolean overwrite) {
      this.fs = fs;
      this.target = target;
      this.overwrite = overwrite;
      this.tmp = new Path(target.getParent(), "." + target.getName() + TEMPORARY + UUID.randomUUID());
    }

    /** Where to write; does not exist until the writer creates it. */
    public Path path() {
      return tmp;
    }

    /** Renames the written temporary directory onto the target (see {@link #commitDirectory}). */
    public void commit() throws IOException {
      if (!fs.exists(tmp)) {
        throw new IOException("Nothing was written to " + tmp + " for " + target);
      }
      replace(fs, tmp, target, overwrite);
      committed = true;
      removeStale(fs, target, started);
    }

    /** Deletes the temporary directory unless it was committed; never throws. */
    public void abort() {
      if (!committed) {
        deleteQuietly(fs, tmp);
      }
    }
  }

  static final String TEMPORARY = "._temporary-";
  static final String ASIDE = ".old-";

  /** A complete previous result moved aside by a swap that was killed before the new one was renamed in. */
  private static void recoverAside(FileSystem fs, Path target) throws IOException {
    Path parent = target.getParent();
    if (parent == null || !fs.exists(parent) || fs.exists(target)) {
      return;
    }
    FileStatus newest = null;
    for (FileStatus st : fs.listStatus(parent)) {
      if (st.getPath().getName().startsWith("." + target.getName() + ASIDE)
          && (newest == null || st.getModificationTime() > newest.getModificationTime())) {
        newest = st;
      }
    }
    if (newest != null && !fs.rename(newest.getPath(), target)) {
      throw new IOException("Could not restore " + target + " from " + newest.getPath());
    }
  }

  /** Temporary siblings of {@code target} from runs that started before {@code before} (killed runs). */
  private static void removeStale(FileSystem fs, Path target, long before) {
    try {
      for (FileStatus st : fs.listStatus(target.getParent())) {
        if (st.getPath().getName().startsWith("." + target.getName() + TEMPORARY)
            && st.getModificationTime() < before) {
          deleteQuietly(fs, st.getPath());
        }
      }
    } catch (IOException ignored) {
      // Best effort: a leftover temporary sibling is hidden and never taken for a result.
    }
  }

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
      Path old = new Path(parent, "." + target.getName() + ASIDE + UUID.randomUUID());
      if (!fs.rename(target, old)) {
        throw new IOException("Could not move aside existing " + target);
      }
      boolean renamed;
      try {
        renamed = fs.rename(tmp, target);
      } catch (IOException e) {
        renamed = false;
      }
      if (!renamed) {
        if (!fs.rename(old, target)) {
          throw new IOException("Could not rename " + tmp + " to " + target + ", and the previous result stays at "
              + old);
        }
        throw new IOException("Could not rename " + tmp + " to " + target + "; the previous result is unchanged");
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
