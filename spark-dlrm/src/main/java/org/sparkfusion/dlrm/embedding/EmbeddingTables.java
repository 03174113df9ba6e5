package org.sparkfusion.dlrm.embedding;

/**
 * Read-only fp32 embedding tables of one model: table t is rows(t) x dim() floats, row-major, inside the array
 * {@link #weights(int)} starting at {@link #rowBase(int)}: row r occupies
 * {@code weights(t)[rowBase(t) + r * dim() .. rowBase(t) + (r + 1) * dim())}.
 */
public interface EmbeddingTables {
  /** Number of tables (sparse features). */
  int numTables();

  /** Embedding dimension, the same for every table. */
  int dim();

  /** Number of rows of table {@code table}. */
  long rows(int table);

  /**
   * The array holding {@code table}'s rows from index {@link #rowBase(int)} on (length at least
   * {@code rowBase(table) + rows(table) * dim()}); callers must not modify it.
   */
  float[] weights(int table);

  /**
   * Index in {@link #weights(int)} of row 0's first value. Storage may leave a few unused floats at the head of
   * the array so that rows start on 64-byte cache lines ({@link CacheAlignedRows}); 0 when it does not.
   */
  default int rowBase(int table) {
    return 0;
  }
}
