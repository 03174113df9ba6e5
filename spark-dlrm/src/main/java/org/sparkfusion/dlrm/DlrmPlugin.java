package org.sparkfusion.dlrm;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.resource.ResourceInformation;

/**
 * Chooses the DLRM embedding backend per executor ({@code spark.plugins=org.sparkfusion.dlrm.DlrmPlugin}).
 * The driver side validates {@code spark.sparkfusion.dlrm.embeddingBackend}; the executor side records the
 * executor's {@code upmem} resource addresses for the backend policy and, when a backend is named explicitly,
 * fails the executor at start if it cannot be used there (fail fast instead of a silent CPU fallback).
 */
public final class DlrmPlugin implements SparkPlugin {

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public Map<String, String> init(SparkContext sc, PluginContext ctx) {
        DlrmConf.EMBEDDING_BACKEND.get(sc.conf());
        DlrmConf.OUT_OF_RANGE_IDS.get(sc.conf());
        DlrmConf.INTERACTION.get(sc.conf());
        return Map.of();
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        ResourceInformation info = ctx.resources().get(BackendSelector.RESOURCE);
        List<String> addresses = info == null ? List.of() : List.of(info.addresses());
        ExecutorResources.recordFromPlugin(addresses);
        Map<String, String> conf = new java.util.HashMap<>();
        for (scala.Tuple2<String, String> kv : ctx.conf().getAll()) {
          conf.put(kv._1(), kv._2());
        }
        String requested = DlrmConf.EMBEDDING_BACKEND.get(conf);
        if (requested != null) {
          String why = BackendSelector.whyNot(requested, conf, addresses);
          if (why != null) {
            throw new IllegalStateException("Executor " + ctx.executorID() + ": " + why);
          }
        }
      }
    };
  }
}
