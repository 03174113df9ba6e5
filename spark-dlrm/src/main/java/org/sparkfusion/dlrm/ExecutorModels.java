package org.sparkfusion.dlrm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dlrm.checkpoint.ModelFiles;
import org.sparkfusion.dlrm.core.DlrmNetwork;
import org.sparkfusion.dlrm.core.DlrmScorer;
import org.sparkfusion.dlrm.core.Interaction;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;

/** Models loaded in this JVM: each (path, options) is loaded once and shared by all tasks, thread-safely. */
final class ExecutorModels {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
  private static final Map<ModelOptions, DlrmScorer> MODELS = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();

  private ExecutorModels() {}

  static DlrmScorer get(ModelOptions options) {
    // computeIfAbsent runs the load at most once per key; concurrent callers for that key wait for it.
    return MODELS.computeIfAbsent(options.modelKey(), ExecutorModels::load);
  }

  /** How many times {@code modelPath} was loaded in this JVM (for tests and diagnostics). */
  static int loadCount(String modelPath) {
    AtomicInteger n = LOADS.get(modelPath);
    return n == null ? 0 : n.get();
  }

  static DlrmScorer load(ModelOptions o) {
    if (o.modelPath() == null || o.modelPath().isEmpty()) {
      throw new IllegalArgumentException("No DLRM model path: set " + DlrmConf.MODEL_PATH.key()
          + " or pass the path to DlrmFunctions.register / DlrmModel.setModelPath");
    }
    long t0 = System.nanoTime();
    Map<String, String> conf = ExecutorResources.sparkConf();
    DlrmNetwork net = DlrmNetwork.fromStateDict(o.modelPath(), ModelFiles.read(o.modelPath(), hadoopConf(conf)),
        Interaction.parse(o.interaction(), DlrmConf.INTERACTION.key()), o.selfInteraction());
    EmbeddingBackend backend = BackendSelector.open(net.tables(), o.embeddingBackend(), conf,
        ExecutorResources.upmemAddresses());
    LOADS.computeIfAbsent(o.modelPath(), k -> new AtomicInteger()).incrementAndGet();
    LOG.info("Loaded DLRM {} ({}) with embedding backend {} in {} ms", o.modelPath(), net.describe(), backend.name(),
        (System.nanoTime() - t0) / 1_000_000);
    return new DlrmScorer(net, backend, o.hashOutOfRange());
  }

  static Configuration hadoopConf(Map<String, String> sparkConf) {
    Configuration c = new Configuration();
    for (Map.Entry<String, String> e : sparkConf.entrySet()) {
      if (e.getKey().startsWith("spark.hadoop.")) {
        c.set(e.getKey().substring("spark.hadoop.".length()), e.getValue());
      }
    }
    return c;
  }
}
