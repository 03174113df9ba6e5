package org.sparkfusion.dlrm.embedding;

import java.util.List;
import java.util.Map;
import org.sparkfusion.dlrm.DlrmConf;

/** Provides the always-available fp32 {@code cpu} backend. */
public final class CpuBackendProvider implements EmbeddingBackendProvider {
  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public String unavailableReason(Map<String, String> conf, List<String> resourceAddresses) {
    return null;
  }

  @Override
  public EmbeddingBackend open(EmbeddingTables tables, Map<String, String> conf, List<String> resourceAddresses) {
    return new CpuEmbeddingBackend(tables, DlrmConf.CPU_NATIVE_POOLING.get(conf));
  }
}
