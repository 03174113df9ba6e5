package org.sparkfusion.dlrm.embedding;

/** Read-only fp32 embedding tables of one model: table t is rows(t) x dim() floats, row-major. */
public interface EmbeddingTables {
  /** Number of tables (sparse features). */
  int numTables();

  /** Embedding dimension, the same for every table. */
  int dim();

  /** Number of rows of table {@code table}. */
  long rows(int table);

  /** Row-major weights of {@code table}, length {@code rows(table)*dim()}; callers must not modify. */
  float[] weights(int table);
}
