package org.sparkfusion.dlrm.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Ids outside a table reach no memory on any path: the native kernel (checked in C at the JNI boundary), the
 * Vector API / scalar paths and the int8 backend all refuse the batch with an error naming the table and the id,
 * including tables packed next to each other in one array (where an overrun would read the neighbour).
 */
class OutOfRangeIdsTest {
  private static final int DIM = 16;

  /** Two tables of 10 and 20 rows packed into one array, as PinnedTables lays them out. */
  private static EmbeddingTables packed() {
    float[] w = new float[30 * DIM];
    for (int i = 0; i < w.length; i++) {
      w[i] = i;
    }
    return new EmbeddingTables() {
      public int numTables() {
        return 2;
      }

      public int dim() {
        return DIM;
      }

      public long rows(int t) {
        return t == 0 ? 10 : 20;
      }

      public float[] weights(int t) {
        return w;
      }

      public int rowBase(int t) {
        return t == 0 ? 0 : 10 * DIM;
      }
    };
  }

  private static void expectRefused(EmbeddingBackend b, int badId) {
    int[][] idx = {{1, badId, 2}, {0}};
    int[][] off = {{0, 3}, {0, 1}};
    float[] out = new float[2 * DIM];
    assertThatThrownBy(() -> b.pool(1, idx, off, out)).as(b.name() + " id " + badId)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embedding table 0").hasMessageContaining("id " + badId);
  }

  @Test
  void everyBackendRefusesIdsOutsideTheTable() {
    EmbeddingTables t = packed();
    for (EmbeddingBackend b : new EmbeddingBackend[] {new CpuEmbeddingBackend(t, true),
        new CpuEmbeddingBackend(t, false), new Int8EmbeddingBackend(t)}) {
      for (int bad : new int[] {10, 11, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
        expectRefused(b, bad);
      }
    }
  }

  @Test
  void nativeKernelChecksIdsItselfWhateverJavaPasses() {
    org.junit.jupiter.api.Assumptions.assumeTrue(NativePooling.unavailableReason() == null);
    float[] w = new float[10 * DIM + 5];
    float[] out = new float[DIM];
    assertThat(NativePooling.poolTable(w, 5, 10, DIM, new int[] {3, 10}, new int[] {0, 2}, 1, out, DIM, 0)).isEqualTo(2);
    assertThat(NativePooling.poolTable(w, 5, 10, DIM, new int[] {3, 9}, new int[] {0, 2}, 1, out, DIM, 0)).isZero();
    // A row count the array cannot hold (the wrapped 2^62+1), offsets past the ids, output too small.
    assertThat(NativePooling.poolTable(w, 5, (1L << 62) + 1, DIM, new int[] {3}, new int[] {0, 1}, 1, out, DIM, 0))
        .isEqualTo(-1);
    assertThat(NativePooling.poolTable(w, 5, 10, DIM, new int[] {3}, new int[] {0, 2}, 1, out, DIM, 0)).isEqualTo(-1);
    assertThat(NativePooling.poolTable(w, 5, 10, DIM, new int[] {3}, new int[] {0, 1}, 1, out, DIM, 1)).isEqualTo(-1);
  }

  @Test
  void tableLargerThanItsStorageIsRefusedWhenTheBackendOpens() {
    EmbeddingTables t = packed();
    EmbeddingTables lying = new EmbeddingTables() {
      public int numTables() {
        return 1;
      }

      public int dim() {
        return DIM;
      }

      public long rows(int x) {
        return (1L << 62) + 1;
      }

      public float[] weights(int x) {
        return t.weights(0);
      }
    };
    assertThatThrownBy(() -> new CpuEmbeddingBackend(lying, true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embedding table 0");
    assertThatThrownBy(() -> new Int8EmbeddingBackend(lying)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embedding table 0");
  }
}
