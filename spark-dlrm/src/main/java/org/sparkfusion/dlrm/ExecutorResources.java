package org.sparkfusion.dlrm;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** What this JVM knows about its Spark configuration and its {@code upmem} resource addresses. */
final class ExecutorResources {
  private static volatile List<String> pluginAddresses;

  private ExecutorResources() {}

  /** Recorded by {@link DlrmPlugin}'s executor side at executor start. */
  static void recordFromPlugin(List<String> addresses) {
    pluginAddresses = List.copyOf(addresses);
  }

  static List<String> upmemAddresses() {
    List<String> fromPlugin = pluginAddresses;
    if (fromPlugin != null) {
      return fromPlugin;
    }
    TaskContext tc = TaskContext.get();
    if (tc != null) {
      ResourceInformation info = tc.resourcesJMap().get(BackendSelector.RESOURCE);
      if (info != null) {
        return List.of(info.addresses());
      }
    }
    return List.of();
  }

  /** The full Spark configuration of this JVM (empty outside Spark). */
  static Map<String, String> sparkConf() {
    SparkEnv env = SparkEnv.get();
    Map<String, String> out = new java.util.HashMap<>();
    if (env != null) {
      for (scala.Tuple2<String, String> kv : env.conf().getAll()) {
        out.put(kv._1(), kv._2());
      }
    }
    return out;
  }
}
