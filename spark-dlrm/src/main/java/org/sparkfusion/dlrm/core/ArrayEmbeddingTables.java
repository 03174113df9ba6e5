package org.sparkfusion.dlrm.core;

import org.sparkfusion.dlrm.embedding.CacheAlignedRows;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/** Embedding tables held in on-heap float arrays (one per table), as the checkpoint reader stored them. */
final class ArrayEmbeddingTables implements EmbeddingTables {
  private final int dim;
  private final CacheAlignedRows[] tables;
  private final long[] rows;

  /** Table t: {@code rows[t]} rows of {@code dim} floats in {@code tables[t]}, from its {@code base()} on. */
  ArrayEmbeddingTables(int dim, CacheAlignedRows[] tables, long[] rows) {
    this.dim = dim;
    this.tables = tables.clone();
    this.rows = rows.clone();
  }

  @Override
  public int numTables() {
    return tables.length;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public long rows(int table) {
    return rows[table];
  }

  @Override
  public float[] weights(int table) {
    return tables[table].array();
  }

  @Override
  public int rowBase(int table) {
    return tables[table].base();
  }
}
