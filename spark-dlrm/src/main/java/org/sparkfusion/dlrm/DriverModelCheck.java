package org.sparkfusion.dlrm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.cli.JobErrors;
import org.sparkfusion.dlrm.checkpoint.ModelFiles;
import org.sparkfusion.dlrm.core.DlrmNetwork;
import org.sparkfusion.dlrm.core.Interaction;

/**
 * Opens and checks a model on the driver before any input is read, so that a missing or corrupt model fails once,
 * with one message naming the path, instead of inside every task (retried {@code spark.task.maxFailures} times).
 * In local mode the driver is the executor: the model is loaded through {@link ExecutorModels}, which the tasks
 * then reuse. On a cluster the driver reads and assembles the network (weights included, so it needs the memory
 * of one model) without opening an embedding backend, once per model file version.
 */
final class DriverModelCheck {
  /** (path, interaction, self) and the file version checked: a rewritten model is checked again. */
  private static final Map<String, String> CHECKED = new ConcurrentHashMap<>();

  private DriverModelCheck() {}

  static void check(SparkSession spark, ModelOptions o, String who) {
    String path = o.modelPath();
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException(who + ": no model path; set " + DlrmConf.MODEL_PATH.key()
          + " or DlrmModel.setModelPath");
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String version = version(path, conf, who);
    String key = path + "\u0000" + o.interaction() + "\u0000" + o.selfInteraction() + "\u0000" + o.embeddingBackend();
    if (version.equals(CHECKED.get(key))) {
      return;
    }
    try {
      if (spark.sparkContext().isLocal()) {
        ExecutorModels.get(o);
      } else {
        DlrmNetwork.fromStateDict(path, ModelFiles.read(path, conf),
            Interaction.parse(o.interaction(), DlrmConf.INTERACTION.key()), o.selfInteraction());
      }
    } catch (RuntimeException | OutOfMemoryError e) {
      String msg = JobErrors.oneLine(e);
      throw new IllegalArgumentException(who + ": cannot use model " + path
          + ": " + msg, e);
    }
    CHECKED.put(key, version);
  }

  /** Length and modification time of the model file (or of every file of a .npy directory). */
  private static String version(String path, Configuration conf, String who) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new IllegalArgumentException(who + ": model " + path + " does not exist");
      }
      FileStatus st = fs.getFileStatus(p);
      if (!st.isDirectory()) {
        return st.getLen() + "@" + st.getModificationTime();
      }
      StringBuilder b = new StringBuilder();
      for (FileStatus f : fs.listStatus(p)) {
        b.append(f.getPath().getName()).append(':').append(f.getLen()).append('@').append(f.getModificationTime())
            .append(';');
      }
      return b.toString();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(who + ": cannot read model " + path + ": " + e.getMessage(), e);
    }
  }
}
