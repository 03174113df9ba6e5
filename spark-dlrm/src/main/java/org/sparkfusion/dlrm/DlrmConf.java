package org.sparkfusion.dlrm;

import java.util.List;
import org.sparkfusion.common.config.ConfigEntry;
import org.sparkfusion.common.config.ConfigTable;

/** Every {@code spark.sparkfusion.dlrm.*} key the DLRM module reads. */
public final class DlrmConf implements ConfigTable {

  public static final ConfigEntry<String> MODEL_PATH = ConfigEntry.string("spark.sparkfusion.dlrm.modelPath", null,
      "Model scored by the dlrm_predict SQL function in every session: a torch.save checkpoint (dict with "
          + "state_dict, or a bare state_dict) or a directory of <state_dict key>.npy files, on any Hadoop path.");

  public static final ConfigEntry<String> EMBEDDING_BACKEND = ConfigEntry.string(
      "spark.sparkfusion.dlrm.embeddingBackend", null,
      "Embedding backend per executor, by provider name (on this class path: "
          + String.join(", ", BackendSelector.choices()) + "). Unset: upmem if the executor was assigned upmem "
          + "resources (spark.executor.resource.upmem.amount) and a provider is available, else cpu with a log line "
          + "saying why. Set explicitly: that backend or fail fast, saying why not.")
      .checkedBy(v -> v.matches("[a-z0-9][a-z0-9._-]*"), "an EmbeddingBackendProvider name");

  public static final ConfigEntry<String> INTERACTION = ConfigEntry.oneOf("spark.sparkfusion.dlrm.interaction", "dot",
      "Feature interaction of the model: dot (as the reference DLRM) or cat.", "dot", "cat");

  public static final ConfigEntry<Boolean> SELF_INTERACTION = ConfigEntry.bool(
      "spark.sparkfusion.dlrm.selfInteraction", false,
      "Whether the dot interaction includes each vector with itself (reference flag --arch-interaction-itself).");

  public static final ConfigEntry<String> OUT_OF_RANGE_IDS = ConfigEntry.oneOf("spark.sparkfusion.dlrm.outOfRangeIds",
      "error", "What a sparse id outside [0, rows) does: error (fail naming feature, table and id) or hash (id mod rows).",
      "error", "hash");

  public static final ConfigEntry<String> NON_FINITE_DENSE = ConfigEntry.oneOf(
      "spark.sparkfusion.dlrm.nonFiniteDense", "error",
      "What a NaN or infinite dense value (or one too large for a float) does: error (fail naming the row and the "
          + "element) or null (that row scores null).", "error", "null");

  public static final ConfigEntry<Integer> BATCH_SIZE = ConfigEntry.integer("spark.sparkfusion.dlrm.batchSize", 1024,
      "Rows per scoring batch in DlrmModel.transform and dlrm-predict when the stage does not set batchSize, and in "
          + "SQL projections of dlrm_predict over array columns (batched by the session extension).")
      .checkedBy(v -> v > 0 && v <= 1 << 20, "1..1048576");

  public static final ConfigEntry<Boolean> CPU_NATIVE_POOLING = ConfigEntry.bool(
      "spark.sparkfusion.dlrm.cpu.nativePooling", true,
      "Whether the cpu backend pools with its bundled native kernel (JNI, software prefetch; bit-identical results) "
          + "when the library loads on the executor's platform. false, or a library that cannot load, uses the JDK "
          + "Vector API, and the executor log says why.");

  @Override
  public String module() {
    return "dlrm";
  }

  @Override
  public String description() {
    return "DLRM inference: the model behind dlrm_predict, feature interaction, id handling and the embedding backend.";
  }

  @Override
  public List<ConfigEntry<?>> entries() {
    return List.of(MODEL_PATH, EMBEDDING_BACKEND, INTERACTION, SELF_INTERACTION, OUT_OF_RANGE_IDS, NON_FINITE_DENSE, BATCH_SIZE,
        CPU_NATIVE_POOLING);
  }
}
