package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;

/**
 * The real {@code upmem} backend on UPMEM DIMMs: runs on every host that has {@code /dev/dpu_rank*} devices and
 * fails there if the SDK library (built by {@code -Pupmem-sdk}, which .ci/run selects when the SDK is on the PATH)
 * does not load, the backend cannot open one rank, or a pooled value differs from the Java reference. On hosts
 * without DPUs (this project's machines and CI) there is nothing to run it on, so it is skipped with that reason.
 */
class UpmemHardwareTest {

  @ParameterizedTest
  @ValueSource(strings = {"uniform", "column", "balanced", "cache-aware"})
  void poolsOnRealDpusLikeTheJavaReference(String strategy) {
    Assumptions.assumeTrue(UpmemBackendProvider.deviceRanks() > 0,
        "no /dev/dpu_rank* devices: the hardware test needs an UPMEM server");
    UpmemBackendProvider provider = new UpmemBackendProvider();
    Map<String, String> conf = new HashMap<>(DpuEmbeddingBackendTest.conf(strategy));
    conf.put(UpmemConfig.DPUS_PER_RANK.key(), "64");
    conf.put(UpmemConfig.TASKLETS.key(), "16"); // v1A and v1B DPUs both run 16 tasklets
    assertThat(provider.unavailableReason(conf, List.of("0"))).as("why the upmem backend is unavailable").isNull();
    Trace trace = Trace.zipf(TableShapes.of(DpuEmbeddingBackendTest.TABLES), 1.2, 5, 64, 6, 11);
    try (EmbeddingBackend backend = provider.open(DpuEmbeddingBackendTest.TABLES, conf, List.of("0"))) {
      assertThat(backend.name()).isEqualTo("upmem");
      for (Batch b : trace.batches) {
        float[] out = new float[b.numBags * 3 * 16];
        backend.pool(b.numBags, b.indices, b.offsets, out);
        assertThat(RandomTables.maxDiff(RandomTables.referencePool(DpuEmbeddingBackendTest.TABLES, b), out))
            .isLessThan(1e-5);
      }
    }
  }
}
