package org.sparkfusion.upmem;

import java.util.List;
import org.sparkfusion.common.config.ConfigEntry;
import org.sparkfusion.common.config.ConfigTable;

/** Every {@code spark.sparkfusion.upmem.*} key of the UPMEM embedding backend. */
public final class UpmemConfig implements ConfigTable {

  static final ConfigEntry<Integer> EMULATED_RANKS = ConfigEntry.integer("spark.sparkfusion.upmem.emulatedRanks", 1,
      "Ranks the upmem-emu backend allocates when the executor has no upmem resource addresses (with addresses, one "
          + "rank per address).").checkedBy(v -> v >= 0 && v <= 40, "0..40");
  static final ConfigEntry<Integer> DPUS_PER_RANK = ConfigEntry.integer("spark.sparkfusion.upmem.dpusPerRank", 64,
      "DPUs per emulated rank (UPMEM DIMMs have 64).").checkedBy(v -> v >= 1 && v <= 64, "1..64");
  static final ConfigEntry<Integer> TASKLETS = ConfigEntry.integer("spark.sparkfusion.upmem.tasklets", 16,
      "Tasklets per DPU; selects the kernel build upd_kernel_t<N>.")
      .checkedBy(v -> v == 8 || v == 11 || v == 16 || v == 24, "8, 11, 16 or 24");
  static final ConfigEntry<String> FIXED_POINT_SCALE = ConfigEntry.string("spark.sparkfusion.upmem.fixedPointScale",
      "auto", "int32 fixed-point scale of the tables in MRAM: 'auto' (largest power of two keeping max|w|*scale <= "
          + "2^29, so pair sums fit int32) or a number. Pooling accumulates in int64 on the DPU.");
  static final ConfigEntry<String> STRATEGY = ConfigEntry.oneOf("spark.sparkfusion.upmem.strategy", "cache-aware",
      "Partitioning of tables over DPUs.", "uniform", "column", "balanced", "cache-aware");
  static final ConfigEntry<Integer> PROFILE_BATCHES = ConfigEntry.integer("spark.sparkfusion.upmem.profileBatches", 4,
      "balanced/cache-aware: batches served with uniform tiles while access counts are collected; then the tables "
          + "are re-partitioned and reloaded once. 0 keeps uniform tiles.").checkedBy(v -> v >= 0, ">= 0");
  static final ConfigEntry<Integer> CACHE_ROWS_PER_DPU = ConfigEntry.integer(
      "spark.sparkfusion.upmem.cacheRowsPerDpu", 256,
      "cache-aware: rows of the cache region per DPU (replicated hot rows and pair sums).").checkedBy(v -> v >= 0,
      ">= 0");
  static final ConfigEntry<Integer> COLUMN_GROUPS = ConfigEntry.integer("spark.sparkfusion.upmem.columnGroups", 2,
      "column strategy: column groups per table.").checkedBy(v -> v >= 1, ">= 1");
  static final ConfigEntry<Integer> BATCH_RESERVE_MB = ConfigEntry.integer("spark.sparkfusion.upmem.batchReserveMb", 8,
      "MRAM per DPU kept free for a batch's indices and results (the rest holds tables).")
      .checkedBy(v -> v >= 1 && v <= 56, "1..56");
  static final ConfigEntry<String> SDK_PROFILE = ConfigEntry.string("spark.sparkfusion.upmem.sdkProfile", "backend=hw",
      "dpu_alloc_ranks profile of the upmem (real hardware) backend, e.g. backend=simulator for the SDK simulator.");

  @Override
  public String module() {
    return "upmem";
  }

  @Override
  public String description() {
    return "UPMEM DPU embedding backend (upmem, upmem-emu): ranks, kernel, fixed point and partitioning.";
  }

  @Override
  public List<ConfigEntry<?>> entries() {
    return List.of(EMULATED_RANKS, DPUS_PER_RANK, TASKLETS, FIXED_POINT_SCALE, STRATEGY, PROFILE_BATCHES,
        CACHE_ROWS_PER_DPU, COLUMN_GROUPS, BATCH_RESERVE_MB, SDK_PROFILE);
  }
}
