package org.sparkfusion.dlrm.embedding;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Places embedding tables where the JVM's collector does not move them, so that rows laid on cache lines
 * ({@link CacheAlignedRows}) stay there. G1 never moves an array larger than half a heap region; a table that large
 * keeps its own storage, and the smaller ones are copied, each starting on a cache line, into shared arrays padded
 * to that size. Without this, a table of a few MB is moved by the first young collections and its rows end up
 * 16-48 bytes into a line: in a C harness, pooling 8 tables of 1 MB (dim 64, resident in L3) ran about 1.5x
 * slower on such rows.
 *
 * <p>Under another collector, or without the native library (which finds where an array lies), the tables are
 * returned as they are: still correct, merely not guaranteed to stay aligned.
 */
public final class PinnedTables {
  private static final int LINE_FLOATS = CacheAlignedRows.LINE / Float.BYTES;
  /** Largest arena, in floats: one Java array, keeping room for the alignment slack. */
  static final int MAX_ARENA = Integer.MAX_VALUE - 64;

  private PinnedTables() {}

  /**
   * Storage for each table, in the same order: {@code tables[t]} itself when it is already immovable (or nothing
   * can be pinned here), else a copy of its {@code sizes[t]} values in an arena. Returns {@code tables} unchanged
   * when no table needs moving.
   */
  public static CacheAlignedRows[] pin(CacheAlignedRows[] tables, int[] sizes) {
    long minBytes = immovableBytes();
    if (minBytes <= 0 || NativePooling.unavailableReason() != null) {
      return tables;
    }
    return pin(tables, sizes, (int) Math.min(MAX_ARENA, minBytes / Float.BYTES + 1));
  }

  /** {@link #pin(CacheAlignedRows[], int[])} with arrays of at least {@code minFloats} taken as immovable. */
  static CacheAlignedRows[] pin(CacheAlignedRows[] tables, int[] sizes, int minFloats) {
    CacheAlignedRows[] out = tables.clone();
    int first = 0;
    while (first < tables.length) {
      // One arena for the next run of movable tables that fits in one array.
      long used = 0;
      int last = first;
      int[] offset = new int[tables.length];
      for (; last < tables.length; last++) {
        if (sizes[last] >= minFloats) {
          offset[last] = -1;
          continue;
        }
        long start = (used + LINE_FLOATS - 1) / LINE_FLOATS * LINE_FLOATS;
        if (start + sizes[last] > MAX_ARENA) {
          break;
        }
        offset[last] = (int) start;
        used = start + sizes[last];
      }
      if (used > 0) {
        CacheAlignedRows arena = CacheAlignedRows.allocate((int) Math.max(used, minFloats));
        for (int t = first; t < last; t++) {
          if (offset[t] >= 0) {
            int base = arena.base() + offset[t];
            System.arraycopy(tables[t].array(), tables[t].base(), arena.array(), base, sizes[t]);
            out[t] = new CacheAlignedRows(arena.array(), base);
          }
        }
      }
      first = last;
    }
    return Arrays.equals(out, tables) ? tables : out;
  }

  /** Size from which the running collector never moves an array, in bytes; 0 if not known (not G1). */
  static long immovableBytes() {
    try {
      HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      VMOption g1 = vm.getVMOption("UseG1GC");
      if (!"true".equals(g1.getValue())) {
        return 0;
      }
      return Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) / 2;
    } catch (RuntimeException e) { // not HotSpot, or the options are not exposed
      return 0;
    }
  }
}
