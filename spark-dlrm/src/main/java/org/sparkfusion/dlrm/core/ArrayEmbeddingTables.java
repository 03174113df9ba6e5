package org.sparkfusion.dlrm.core;

import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/** Embedding tables held in on-heap float arrays (one per table). */
final class ArrayEmbeddingTables implements EmbeddingTables {
  private final int dim;
  private final float[][] weights;

  ArrayEmbeddingTables(int dim, float[][] weights) {
    this.dim = dim;
    this.weights = weights;
  }

  @Override
  public int numTables() {
    return weights.length;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public long rows(int table) {
    return weights[table].length / dim;
  }

  @Override
  public float[] weights(int table) {
    return weights[table];
  }
}
