package org.sparkfusion.dlrm.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PinnedTablesTest {

  private static CacheAlignedRows filled(int n, float first) {
    CacheAlignedRows rows = CacheAlignedRows.allocate(n);
    for (int k = 0; k < n; k++) {
      rows.array()[rows.base() + k] = first + k;
    }
    return rows;
  }

  private static float[] values(CacheAlignedRows rows, int n) {
    return Arrays.copyOfRange(rows.array(), rows.base(), rows.base() + n);
  }

  @Test
  void smallTablesShareOneArenaEachFromACacheLineAndLargeOnesKeepTheirStorage() {
    int[] sizes = {10, 5000, 33, 100};
    CacheAlignedRows[] tables = new CacheAlignedRows[sizes.length];
    for (int t = 0; t < sizes.length; t++) {
      tables[t] = filled(sizes[t], 1000 * t);
    }
    CacheAlignedRows[] pinned = PinnedTables.pin(tables, sizes, 1000);

    assertThat(pinned[1]).isSameAs(tables[1]);
    assertThat(pinned[0].array()).isSameAs(pinned[2].array()).isSameAs(pinned[3].array());
    assertThat(pinned[0].array().length).as("arena padded to the immovable size").isGreaterThanOrEqualTo(1000);
    for (int t = 0; t < sizes.length; t++) {
      assertThat(values(pinned[t], sizes[t])).as("table %d", t).containsExactly(values(tables[t], sizes[t]));
      assertThat(pinned[t].aligned()).as("table %d row 0 on a cache line", t).isTrue();
    }
    assertThat(pinned[2].base()).as("tables do not overlap").isGreaterThanOrEqualTo(pinned[0].base() + sizes[0]);
    assertThat(pinned[3].base()).isGreaterThanOrEqualTo(pinned[2].base() + sizes[2]);
  }

  @Test
  void tablesAlreadyImmovableAreReturnedAsTheyAre() {
    CacheAlignedRows[] tables = {filled(2000, 0), filled(3000, 1)};
    assertThat(PinnedTables.pin(tables, new int[] {2000, 3000}, 1000)).isSameAs(tables);
  }

  @Test
  void smallTablesStayOnCacheLinesAcrossFullCollections() {
    assertThat(PinnedTables.immovableBytes()).as("tests run on G1").isPositive();
    // 64 small tables: left as ordinary arrays, a compacting collection would move most of them off their lines.
    int[] sizes = new int[64];
    CacheAlignedRows[] tables = new CacheAlignedRows[sizes.length];
    for (int t = 0; t < sizes.length; t++) {
      sizes[t] = 64 * (t + 1) + t;
      tables[t] = filled(sizes[t], t);
    }
    CacheAlignedRows[] pinned = PinnedTables.pin(tables, sizes);
    for (int gc = 0; gc < 3; gc++) {
      byte[][] churn = new byte[2000][];
      for (int k = 0; k < churn.length; k++) {
        churn[k] = new byte[1 + k % 4000];
      }
      System.gc();
    }
    for (int t = 0; t < sizes.length; t++) {
      assertThat(pinned[t].aligned()).as("table %d", t).isTrue();
      assertThat(values(pinned[t], sizes[t])).containsExactly(values(tables[t], sizes[t]));
    }
  }
}
