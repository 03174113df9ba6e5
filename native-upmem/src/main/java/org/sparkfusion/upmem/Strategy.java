package org.sparkfusion.upmem;

import java.util.Locale;

/** UpDLRM's partitioning levels, plus column-wise tiles. */
enum Strategy {
  /** Equal contiguous row tiles over all DPUs. */
  UNIFORM("uniform"),
  /** Columns split into groups, each group's rows in equal tiles over its own DPUs. */
  COLUMN("column"),
  /**
   * Rows placed by profiled access counts so every DPU gets the same number of lookups; rows hotter than a fraction
   * of a DPU's share are replicated over several DPUs.
   */
  BALANCED("balanced"),
  /** Balanced, with a bounded cache region per DPU holding the hot-row replicas and co-occurring pairs' sums. */
  CACHE_AWARE("cache-aware");

  final String id;

  Strategy(String id) {
    this.id = id;
  }

  static Strategy parse(String s) {
    for (Strategy v : values()) {
      if (v.id.equals(s.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown strategy '" + s + "', expected uniform, column, balanced or cache-aware");
  }

  boolean needsProfile() {
    return this == BALANCED || this == CACHE_AWARE;
  }
}
