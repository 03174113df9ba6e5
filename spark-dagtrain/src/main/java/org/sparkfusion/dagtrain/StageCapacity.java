package org.sparkfusion.dagtrain;

import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks made on the driver before a pipeline job starts, so that an impossible request fails at once with one line
 * naming the setting instead of waiting in Spark's barrier retry loop (a barrier stage with more tasks than slots is
 * retried for about 10 minutes before Spark gives up): the model must have an op for every stage, and the cluster a
 * task slot for every stage's barrier task.
 */
final class StageCapacity {
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?\\])?");
  private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*\\]");

  private StageCapacity() {}

  /** The most stages {@code graph} can be cut into: one op at least per stage, the inputs joining the first. */
  static int maxStages(Graph graph) {
    return graph.size() - Partition.firstCut(graph);
  }

  /** Throws IllegalArgumentException naming {@code stages} and the model if the graph has too few ops. */
  static void checkOps(Graph graph, String model, int stages) {
    int ops = maxStages(graph);
    if (stages > ops) {
      throw new IllegalArgumentException("stages=" + stages + " but model " + model + " has " + ops
          + " ops (besides its inputs); every stage needs at least one, so use stages <= " + ops);
    }
  }

  /**
   * Task slots the configuration promises, when it says: {@code local[N]}, {@code local-cluster[n,c,m]}, or
   * {@code spark.executor.instances} x {@code spark.executor.cores} (default 1 on YARN and Kubernetes; on a standalone
   * master an executor takes all of a worker's cores unless set), each divided by {@code spark.task.cpus}; on a
   * standalone master also {@code spark.cores.max / spark.task.cpus}. Empty when the configuration does not tell.
   */
  static OptionalInt configuredSlots(String master, Map<String, String> conf) {
    int taskCpus = positive(conf, "spark.task.cpus", 1);
    String m = master == null ? "" : master.trim();
    Matcher local = LOCAL.matcher(m);
    if (local.matches()) {
      String n = local.group(1);
      int threads = n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
      return OptionalInt.of(threads / taskCpus);
    }
    Matcher cluster = LOCAL_CLUSTER.matcher(m);
    if (cluster.matches()) {
      int executors = Integer.parseInt(cluster.group(1));
      int cores = Integer.parseInt(cluster.group(2));
      return OptionalInt.of(executors * (cores / taskCpus));
    }
    boolean standalone = m.startsWith("spark://");
    if (conf.containsKey("spark.executor.instances") && (!standalone || conf.containsKey("spark.executor.cores"))) {
      int executors = nonNegative(conf, "spark.executor.instances");
      int cores = positive(conf, "spark.executor.cores", 1);
      return OptionalInt.of(executors * (cores / taskCpus));
    }
    if (standalone && conf.containsKey("spark.cores.max")) {
      return OptionalInt.of(nonNegative(conf, "spark.cores.max") / taskCpus);
    }
    return OptionalInt.empty();
  }

  /** Where {@link #configuredSlots} got its figure, for the message. */
  static String slotSource(String master) {
    String m = master == null ? "" : master.trim();
    if (LOCAL.matcher(m).matches()) {
      return "master " + m + " / spark.task.cpus";
    }
    if (LOCAL_CLUSTER.matcher(m).matches()) {
      return "master " + m + ": executors x cores / spark.task.cpus";
    }
    return "spark.executor.instances x spark.executor.cores / spark.task.cpus, or spark.cores.max / spark.task.cpus";
  }

  /** Throws IllegalArgumentException if {@code slots} cannot hold one barrier task per stage. */
  static void checkSlots(int stages, int slots, String source) {
    if (stages > slots) {
      throw new IllegalArgumentException("stages=" + stages + " needs " + stages + " task slots (one barrier task per"
          + " stage), the cluster has " + slots + " (" + source + ")");
    }
  }

  private static int positive(Map<String, String> conf, String key, int dflt) {
    String v = conf.get(key);
    if (v == null) {
      return dflt;
    }
    int n = parse(key, v);
    if (n < 1) {
      throw new IllegalArgumentException(key + " must be at least 1, got " + v);
    }
    return n;
  }

  private static int nonNegative(Map<String, String> conf, String key) {
    String v = conf.get(key);
    int n = parse(key, v);
    if (n < 0) {
      throw new IllegalArgumentException(key + " must not be negative, got " + v);
    }
    return n;
  }

  private static int parse(String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }
}
