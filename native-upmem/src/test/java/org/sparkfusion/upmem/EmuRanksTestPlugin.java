package org.sparkfusion.upmem;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.resource.ResourceInformation;

/**
 * Test plugin doing what the DLRM plugin does for the upmem-emu backend: on executor start, take the executor's
 * upmem addresses, open the backend once over them, and serve every task of the executor.
 */
public final class EmuRanksTestPlugin implements SparkPlugin {
  static final RandomTables TABLES = new RandomTables(16, 99, 3000, 700, 40);
  static volatile DpuEmbeddingBackend backend;
  static volatile List<String> addresses;
  static volatile String executorId;
  static final java.util.concurrent.atomic.AtomicInteger OPENS = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        ResourceInformation info = ctx.resources().get("upmem");
        addresses = info == null ? List.of() : List.of(info.addresses());
        executorId = ctx.executorID();
        Map<String, String> conf = new HashMap<>();
        for (scala.Tuple2<String, String> kv : ctx.conf().getAll()) {
          conf.put(kv._1(), kv._2());
        }
        backend = (DpuEmbeddingBackend) new UpmemEmuBackendProvider().open(TABLES, conf, addresses);
        OPENS.incrementAndGet();
      }

      @Override
      public void shutdown() {
        if (backend != null) {
          backend.close();
        }
      }
    };
  }

  /** One task: pool a Zipf batch on this executor's DPUs and describe where it ran. */
  static String runTask(int seed) {
    Trace trace = Trace.zipf(TableShapes.of(TABLES), 1.05, 1, 48, 5, seed);
    Batch b = trace.batches.get(0);
    float[] out = new float[b.numBags * 3 * 16];
    backend.pool(b.numBags, b.indices, b.offsets, out);
    double diff = RandomTables.maxDiff(RandomTables.referencePool(TABLES, b), out);
    ResourceInformation task = TaskContext.get().resources().get("upmem").get();
    return executorId + "|" + ProcessHandle.current().pid() + "|" + String.join(",", addresses) + "|"
        + backend.nrDpus() + "|" + diff + "|" + OPENS.get() + "|" + String.join(",", task.addresses());
  }
}
