package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkfusion.dlrm.core.Interaction;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

class BackendSelectorTest {
  private final EmbeddingTables tables = org.sparkfusion.dlrm.core.DlrmNetworkTestAccess
      .load("dot_state_dict.pt", Interaction.DOT, false).tables();
  private static final Map<String, String> USABLE = Map.of("test.fakeUpmem.usable", "true");

  @Test
  void unsetWithoutUpmemResourcesUsesCpu() {
    assertThat(BackendSelector.open(tables, null, USABLE, List.of()).name()).isEqualTo("cpu");
  }

  @Test
  void unsetWithUpmemResourcesUsesTheAccelerator() {
    assertThat(BackendSelector.open(tables, null, USABLE, List.of("0", "1")).name()).isEqualTo("upmem");
  }

  @Test
  void unsetWithUnusableAcceleratorFallsBackToCpu() {
    assertThat(BackendSelector.open(tables, null, Map.of(), List.of("0")).name()).isEqualTo("cpu");
  }

  @Test
  void explicitlyNamedButUnavailableFailsFastWithTheReason() {
    assertThatThrownBy(() -> BackendSelector.open(tables, "upmem", Map.of(), List.of("0")))
        .hasMessageContaining("spark.sparkfusion.dlrm.embeddingBackend=upmem")
        .hasMessageContaining("no DPU device");
  }

  @Test
  void explicitlyNamedWithoutProviderFailsFastNamingTheMissingModule() {
    assertThatThrownBy(() -> BackendSelector.open(tables, "upmem-emu", USABLE, List.of()))
        .hasMessageContaining("no embedding backend provider named 'upmem-emu'")
        .hasMessageContaining("native-upmem");
  }

  @Test
  void explicitCpuInt8IsHonoured() {
    assertThat(BackendSelector.open(tables, "cpu-int8", Map.of(), List.of("0")).name()).isEqualTo("cpu-int8");
  }
}
