package org.sparkfusion.dlrm;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.sql.RuntimeConfig;

/**
 * What identifies one loaded model on an executor: path and the options that change how it scores, plus how a
 * row with a non-finite dense value is treated ({@code nonFiniteNull}: score null instead of failing), which does
 * not change the loaded model ({@link #modelKey()}).
 */
record ModelOptions(String modelPath, String interaction, boolean selfInteraction, boolean hashOutOfRange,
    String embeddingBackend, boolean nonFiniteNull) implements Serializable {

  ModelOptions(String modelPath, String interaction, boolean selfInteraction, boolean hashOutOfRange,
      String embeddingBackend) {
    this(modelPath, interaction, selfInteraction, hashOutOfRange, embeddingBackend, false);
  }

  /** The options without the per-row setting: what {@link ExecutorModels} caches a loaded model under. */
  ModelOptions modelKey() {
    return nonFiniteNull ? new ModelOptions(modelPath, interaction, selfInteraction, hashOutOfRange,
        embeddingBackend, false) : this;
  }

  static ModelOptions fromSession(String modelPath, RuntimeConfig conf) {
    return new ModelOptions(modelPath, DlrmConf.INTERACTION.get(conf), DlrmConf.SELF_INTERACTION.get(conf),
        "hash".equals(DlrmConf.OUT_OF_RANGE_IDS.get(conf)), DlrmConf.EMBEDDING_BACKEND.get(conf),
        "null".equals(DlrmConf.NON_FINITE_DENSE.get(conf)));
  }

  static ModelOptions fromMap(String modelPath, Map<String, String> conf) {
    return new ModelOptions(modelPath, DlrmConf.INTERACTION.get(conf), DlrmConf.SELF_INTERACTION.get(conf),
        "hash".equals(DlrmConf.OUT_OF_RANGE_IDS.get(conf)), DlrmConf.EMBEDDING_BACKEND.get(conf),
        "null".equals(DlrmConf.NON_FINITE_DENSE.get(conf)));
  }
}
