package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;

class DpuEmbeddingBackendTest {

  static final RandomTables TABLES = new RandomTables(16, 7, 500, 2000, 50);

  static Map<String, String> conf(String strategy) {
    Map<String, String> c = new HashMap<>();
    c.put(UpmemConfig.DPUS_PER_RANK.key(), "8");
    c.put(UpmemConfig.STRATEGY.key(), strategy);
    c.put(UpmemConfig.PROFILE_BATCHES.key(), "2");
    c.put(UpmemConfig.CACHE_ROWS_PER_DPU.key(), "32");
    return c;
  }

  static EmbeddingBackend open(Map<String, String> conf) {
    return new UpmemEmuBackendProvider().open(TABLES, conf, List.of("0"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"uniform", "column", "balanced", "cache-aware"})
  void poolsLikeTheJavaReference(String strategy) {
    Trace trace = Trace.zipf(TableShapes.of(TABLES), 1.2, 5, 64, 6, 11);
    try (EmbeddingBackend backend = open(conf(strategy))) {
      for (Batch b : trace.batches) {
        float[] out = new float[b.numBags * 3 * 16];
        backend.pool(b.numBags, b.indices, b.offsets, out);
        assertThat(RandomTables.maxDiff(RandomTables.referencePool(TABLES, b), out)).isLessThan(1e-5);
      }
    }
  }

  @Test
  void profilingRepartitionsOnceAndUsesTheCache() {
    Trace trace = Trace.zipf(TableShapes.of(TABLES), 1.2, 4, 64, 6, 3);
    try (DpuEmbeddingBackend backend = (DpuEmbeddingBackend) open(conf("cache-aware"))) {
      for (Batch b : trace.batches) {
        backend.pool(b.numBags, b.indices, b.offsets, new float[b.numBags * 48]);
      }
      assertThat(backend.loads()).isEqualTo(2);
      assertThat(backend.placement().strategy).isEqualTo(Strategy.CACHE_AWARE);
      assertThat(backend.placement().cacheEntries()).isPositive();
      long served = 0;
      for (long c : backend.lastRouted().cacheServed) {
        served += c;
      }
      assertThat(served).isPositive();
    }
  }

  /**
   * A hot row replicated on several DPUs, its lookups split over the copies (even inside one bag): the pooled
   * result still equals the CPU backend within the fixed-point error (bag size * 0.5 / scale, far below 1e-5 here).
   */
  @ParameterizedTest
  @ValueSource(strings = {"balanced", "cache-aware"})
  void replicatedHotRowSplitOverDpusPoolsLikeTheCpuBackend(String strategy) {
    Trace trace = Trace.zipf(TableShapes.of(TABLES), 1.2, 5, 64, 6, 17);
    try (DpuEmbeddingBackend backend = (DpuEmbeddingBackend) open(conf(strategy));
        EmbeddingBackend cpu = new org.sparkfusion.dlrm.embedding.CpuBackendProvider().open(TABLES, Map.of(),
            List.of())) {
      CacheEntry hot = null;
      for (int i = 0; i < 5; i++) {
        Batch b = trace.batches.get(i);
        if (i == 4) {
          // Re-partitioned after 2 profiled batches: table 2's most replicated row, 14 times in bag 0.
          for (CacheEntry e : backend.placement().hotRows[2].values()) {
            hot = hot == null || e.dpus.length > hot.dpus.length ? e : hot;
          }
          assertThat(hot).as("a replicated row in table 2").isNotNull();
          assertThat(hot.dpus.length).isGreaterThan(1);
          b = withHotBag(b, 2, hot.rowA, 14);
        }
        float[] out = new float[b.numBags * 48];
        float[] ref = new float[b.numBags * 48];
        backend.pool(b.numBags, b.indices, b.offsets, out);
        cpu.pool(b.numBags, b.indices, b.offsets, ref);
        for (int k = 0; k < out.length; k++) {
          assertThat((double) out[k]).as("batch %d value %d", i, k).isCloseTo(ref[k],
              org.assertj.core.data.Offset.offset(1e-5));
        }
      }
      // Bag 0 of table 2 was split: it became DPU bags on more than one of the row's copies.
      DpuBatch routed = backend.lastRouted();
      long bag0Dest = 2L * 16; // bag 0, table 2, column 0
      int dpusWithBag0 = 0;
      for (int d : hot.dpus) {
        for (int k = 0; k < routed.destCount[d]; k++) {
          if (routed.dest[d][k] == bag0Dest) {
            dpusWithBag0++;
            break;
          }
        }
      }
      assertThat(dpusWithBag0).as("copies serving the one bag").isGreaterThan(1);
    }
  }

  /** The batch with bag 0 of table t replaced by n lookups of one row. */
  private static Batch withHotBag(Batch b, int t, int row, int n) {
    int[][] idx = b.indices.clone();
    int[][] off = b.offsets.clone();
    int[] bag = new int[n];
    java.util.Arrays.fill(bag, row);
    idx[t] = concat(bag, java.util.Arrays.copyOfRange(b.indices[t], b.offsets[t][1], b.offsets[t][b.numBags]));
    off[t] = new int[b.numBags + 1];
    for (int k = 1; k <= b.numBags; k++) {
      off[t][k] = n + b.offsets[t][k] - b.offsets[t][1];
    }
    return new Batch(b.numBags, idx, off);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void emptyBagsPoolToZeros() {
    try (EmbeddingBackend backend = open(conf("uniform"))) {
      int[][] idx = {{1}, {}, {}};
      int[][] off = {{0, 0, 1}, {0, 0, 0}, {0, 0, 0}};
      float[] out = new float[2 * 48];
      java.util.Arrays.fill(out, 9f);
      backend.pool(2, idx, off, out);
      for (int i = 0; i < 48; i++) {
        assertThat(out[i]).isZero();
      }
      assertThat(out[48]).isCloseTo(TABLES.weights(0)[16], org.assertj.core.data.Offset.offset(1e-6f));
      assertThat(out[48 + 16]).isZero();
    }
  }

  @Test
  void analyticCountsEqualTheEmulatorsCounters() {
    Trace trace = Trace.zipf(TableShapes.of(TABLES), 1.05, 1, 50, 9, 5);
    try (DpuEmbeddingBackend backend = (DpuEmbeddingBackend) open(conf("column"))) {
      backend.resetCounters();
      Batch b = trace.batches.get(0);
      backend.pool(b.numBags, b.indices, b.offsets, new float[b.numBags * 48]);
      KernelCounts expected = KernelCounts.of(backend.lastRouted(), backend.placement().rowWords);
      long[] c = backend.counters();
      for (int d = 0; d < backend.nrDpus(); d++) {
        assertThat(c[d * 9]).as("mram reads of DPU %d", d).isEqualTo(expected.mramReads[d]);
        assertThat(c[d * 9 + 1]).as("mram read bytes of DPU %d", d).isEqualTo(expected.mramReadBytes[d]);
        assertThat(c[d * 9 + 2]).as("mram writes of DPU %d", d).isEqualTo(expected.mramWrites[d]);
        assertThat(c[d * 9 + 3]).as("mram write bytes of DPU %d", d).isEqualTo(expected.mramWriteBytes[d]);
        assertThat(c[d * 9 + 4]).as("instructions of DPU %d", d).isEqualTo(expected.instructions[d]);
        assertThat(c[d * 9 + 8]).as("launches of DPU %d", d).isEqualTo(1);
      }
      long[] bytes = CostModel.transferBytes(backend.lastRouted(), backend.placement().rowWords);
      long[] stats = backend.lastTransferStats();
      assertThat(stats[0] + 32).isEqualTo(bytes[0]);
      assertThat(stats[2] + 32).isEqualTo(bytes[1]);
    }
  }

  @Test
  void concurrentTasksShareOneBackendSafely() throws Exception {
    Trace trace = Trace.zipf(TableShapes.of(TABLES), 0.8, 12, 32, 4, 21);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (EmbeddingBackend backend = open(conf("cache-aware"))) {
      List<Future<Double>> results = new ArrayList<>();
      for (Batch b : trace.batches) {
        results.add(pool.submit(() -> {
          float[] out = new float[b.numBags * 48];
          backend.pool(b.numBags, b.indices, b.offsets, out);
          return RandomTables.maxDiff(RandomTables.referencePool(TABLES, b), out);
        }));
      }
      for (Future<Double> f : results) {
        assertThat(f.get()).isLessThan(1e-5);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void tablesLargerThanTheDpusMramAreRefusedWithSizes() {
    RandomTables big = new RandomTables(16, 1, 1_000_000);
    Map<String, String> c = conf("uniform");
    c.put(UpmemConfig.DPUS_PER_RANK.key(), "1");
    assertThatThrownBy(() -> new UpmemEmuBackendProvider().open(big, c, List.of("0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("need 64,000,000 bytes of MRAM but 1 DPUs hold 58,720,256 bytes");
  }
}
