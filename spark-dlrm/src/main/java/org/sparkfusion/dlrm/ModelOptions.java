package org.sparkfusion.dlrm;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.sql.RuntimeConfig;

/** What identifies one loaded model on an executor: path and the options that change how it scores. */
record ModelOptions(String modelPath, String interaction, boolean selfInteraction, boolean hashOutOfRange,
    String embeddingBackend) implements Serializable {

  static ModelOptions fromSession(String modelPath, RuntimeConfig conf) {
    return new ModelOptions(modelPath, DlrmConf.INTERACTION.get(conf), DlrmConf.SELF_INTERACTION.get(conf),
        "hash".equals(DlrmConf.OUT_OF_RANGE_IDS.get(conf)), DlrmConf.EMBEDDING_BACKEND.get(conf));
  }

  static ModelOptions fromMap(String modelPath, Map<String, String> conf) {
    return new ModelOptions(modelPath, DlrmConf.INTERACTION.get(conf), DlrmConf.SELF_INTERACTION.get(conf),
        "hash".equals(DlrmConf.OUT_OF_RANGE_IDS.get(conf)), DlrmConf.EMBEDDING_BACKEND.get(conf));
  }
}
