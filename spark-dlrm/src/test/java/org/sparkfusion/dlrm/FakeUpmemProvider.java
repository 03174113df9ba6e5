package org.sparkfusion.dlrm;

import java.util.List;
import java.util.Map;
import org.sparkfusion.dlrm.embedding.CpuBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * Test-only stand-in for the native-upmem module's provider (which depends on this module and cannot be on its
 * test class path): usable only when {@code test.fakeUpmem.usable=true}, so the selection policy can be tested.
 */
public final class FakeUpmemProvider implements EmbeddingBackendProvider {
  @Override
  public String name() {
    return "upmem";
  }

  @Override
  public String unavailableReason(Map<String, String> conf, List<String> addresses) {
    if (!"true".equals(conf.get("test.fakeUpmem.usable"))) {
      return "no DPU device (fake provider)";
    }
    return addresses.isEmpty() ? "no upmem addresses" : null;
  }

  @Override
  public EmbeddingBackend open(EmbeddingTables tables, Map<String, String> conf, List<String> addresses) {
    EmbeddingBackend cpu = new CpuBackendProvider().open(tables, conf, addresses);
    return new EmbeddingBackend() {
      public String name() {
        return "upmem";
      }

      public void pool(int numBags, int[][] indices, int[][] offsets, float[] out) {
        cpu.pool(numBags, indices, offsets, out);
      }

      public void close() {
        cpu.close();
      }
    };
  }
}
