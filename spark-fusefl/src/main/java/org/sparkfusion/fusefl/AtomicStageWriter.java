package org.sparkfusion.fusefl;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.io.HadoopIO;

/**
 * Saves a FuseFL stage the way Spark ML saves its own: {@code metadata/} written by Spark's
 * {@link DefaultParamsWriter} (so {@link DefaultParamsReader}, {@code Pipeline(Model).load} and pyspark's
 * {@code JavaMLReadable} read it), plus the stage's payload beside it, all inside {@link HadoopIO}'s atomic
 * directory write: the stage is written into a hidden temporary sibling and renamed onto the path only when
 * complete, so a failed save leaves nothing at the path and never removes an earlier model first.
 */
abstract class AtomicStageWriter extends MLWriter {
  private final Params stage;
  private final String what;

  AtomicStageWriter(Params stage, String what) {
    this.stage = stage;
    this.what = what;
  }

  /** Writes the stage's files beside {@code metadata/} in {@code dir} (nothing for an estimator). */
  abstract void writePayload(FileSystem fs, Path dir) throws IOException;

  /**
   * Not {@code MLWriter.save}, which deletes an existing path before {@code saveImpl} runs (so a failing overwrite
   * would lose the earlier model): HadoopIO replaces it only once the new directory is whole.
   */
  @Override
  public void save(String path) {
    saveImpl(path);
  }

  @Override
  public void saveImpl(String path) {
    SparkSession spark = sparkSession();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      HadoopIO.writeDirectoryAtomically(new Path(path), conf, shouldOverwrite(), (fs, dir) -> {
        DefaultParamsWriter.saveMetadata(stage, dir.toString(), spark);
        SaveHook.afterFile("metadata");
        writePayload(fs, dir);
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Could not save " + what + " to " + path + ": " + e.getMessage(), e);
    }
  }

  /** The metadata of the stage saved at {@code path}, checked to be a {@code expectedClass}; errors name the path. */
  static DefaultParamsReader.Metadata metadata(String path, SparkSession spark, Class<?> expectedClass) {
    try {
      return DefaultParamsReader.loadMetadata(path, spark, expectedClass.getName());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Could not load " + expectedClass.getSimpleName() + " from " + path + ": "
          + e.getMessage(), e);
    }
  }

  /** Test hook: lets a test interrupt a save after a given file ("metadata" or a payload file). */
  static final class SaveHook {
    static volatile String failAfter;

    private SaveHook() {}

    static void afterFile(String name) throws IOException {
      if (name.equals(failAfter)) {
        throw new IOException("test hook: save interrupted after " + name);
      }
    }
  }
}
