package org.sparkfusion.upmem;

import java.util.Map;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/** The configuration both providers read, parsed and checked once. */
final class UpmemSettings {
  final int tasklets;
  final Strategy strategy;
  final int profileBatches;
  final String scale;
  final int cacheRowsPerDpu;
  final int columnGroups;
  final int batchReserveMb;

  private UpmemSettings(Map<String, String> conf) {
    tasklets = UpmemConfig.TASKLETS.get(conf);
    strategy = Strategy.parse(UpmemConfig.STRATEGY.get(conf));
    profileBatches = UpmemConfig.PROFILE_BATCHES.get(conf);
    scale = UpmemConfig.FIXED_POINT_SCALE.get(conf);
    cacheRowsPerDpu = UpmemConfig.CACHE_ROWS_PER_DPU.get(conf);
    columnGroups = UpmemConfig.COLUMN_GROUPS.get(conf);
    batchReserveMb = UpmemConfig.BATCH_RESERVE_MB.get(conf);
    UpmemConfig.DPUS_PER_RANK.get(conf);
    UpmemConfig.EMULATED_RANKS.get(conf);
  }

  static UpmemSettings of(Map<String, String> conf) {
    return new UpmemSettings(conf);
  }

  DpuEmbeddingBackend open(String name, DpuNative nat, EmbeddingTables tables, int ranks, String profile) {
    return new DpuEmbeddingBackend(name, nat, tables, ranks, profile, tasklets, strategy, profileBatches, scale,
        cacheRowsPerDpu, columnGroups, batchReserveMb);
  }
}
