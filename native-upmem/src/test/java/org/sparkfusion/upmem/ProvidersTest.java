package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.config.ConfigDocs;
import org.sparkfusion.common.config.ConfigTable;
import org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider;

class ProvidersTest {

  @Test
  void bothProvidersAreFoundByServiceLoader() {
    List<String> names = ServiceLoader.load(EmbeddingBackendProvider.class).stream().map(p -> p.get().name()).toList();
    assertThat(names).contains("upmem", "upmem-emu");
  }

  @Test
  void realHardwareIsUnavailableHereWithTheReason() {
    org.junit.jupiter.api.Assumptions.assumeTrue(UpmemBackendProvider.deviceRanks() == 0, "host has UPMEM DIMMs");
    String why = new UpmemBackendProvider().unavailableReason(Map.of(), List.of("0"));
    assertThat(why).contains("no /dev/dpu_rank* devices").contains("libsparkfusion_upmem_sdk.so");
    assertThatThrownBy(() -> new UpmemBackendProvider().open(DpuEmbeddingBackendTest.TABLES, Map.of(), List.of("0")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("upmem backend unavailable");
  }

  @Test
  void emulatorIsAvailableAndExplainsBadSettings() {
    UpmemEmuBackendProvider emu = new UpmemEmuBackendProvider();
    assertThat(emu.unavailableReason(Map.of(), List.of())).isNull();
    assertThat(emu.unavailableReason(Map.of(UpmemConfig.EMULATED_RANKS.key(), "0"), List.of()))
        .contains("spark.sparkfusion.upmem.emulatedRanks=0");
    assertThat(emu.unavailableReason(Map.of(UpmemConfig.TASKLETS.key(), "12"), List.of("0")))
        .contains("spark.sparkfusion.upmem.tasklets").contains("8, 11, 16 or 24");
  }

  @Test
  void allocationFailureSurfacesTheEmulatorsReason() {
    Map<String, String> conf = Map.of(UpmemConfig.DPUS_PER_RANK.key(), "2");
    List<String> tooMany = java.util.stream.IntStream.range(0, 41).mapToObj(String::valueOf).toList();
    assertThatThrownBy(() -> new UpmemEmuBackendProvider().open(DpuEmbeddingBackendTest.TABLES, conf, tooMany))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dpu_alloc_ranks failed: DPU_ERR_ALLOCATION")
        .hasMessageContaining("cannot allocate 41 ranks");
  }

  @Test
  void everyTaskletBuildOfTheKernelRuns() {
    for (String t : new String[] {"8", "11", "24"}) {
      Map<String, String> conf = Map.of(UpmemConfig.DPUS_PER_RANK.key(), "2", UpmemConfig.TASKLETS.key(), t,
          UpmemConfig.STRATEGY.key(), "uniform");
      Trace trace = Trace.zipf(TableShapes.of(DpuEmbeddingBackendTest.TABLES), 1.0, 1, 40, 3, 2);
      Batch b = trace.batches.get(0);
      try (var backend = new UpmemEmuBackendProvider().open(DpuEmbeddingBackendTest.TABLES, conf, List.of())) {
        float[] out = new float[b.numBags * 48];
        backend.pool(b.numBags, b.indices, b.offsets, out);
        assertThat(RandomTables.maxDiff(RandomTables.referencePool(DpuEmbeddingBackendTest.TABLES, b), out))
            .as("tasklets %s", t).isLessThan(1e-5);
      }
    }
  }

  @Test
  void configTableIsRegisteredAndValid() {
    List<ConfigTable> tables = ConfigDocs.tables();
    assertThat(tables).anyMatch(t -> t.module().equals("upmem"));
    ConfigDocs.validate(tables);
  }
}
