package org.sparkfusion.dlrm.embedding;

import java.util.List;
import java.util.Map;

/** Provides the {@code cpu-int8} backend (row-wise 8-bit quantized copies of the tables). */
public final class CpuInt8BackendProvider implements EmbeddingBackendProvider {
  @Override
  public String name() {
    return "cpu-int8";
  }

  @Override
  public String unavailableReason(Map<String, String> conf, List<String> resourceAddresses) {
    return null;
  }

  @Override
  public EmbeddingBackend open(EmbeddingTables tables, Map<String, String> conf, List<String> resourceAddresses) {
    return new Int8EmbeddingBackend(tables);
  }
}
