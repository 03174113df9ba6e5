package org.sparkfusion.dlrm.core;

import java.util.Arrays;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;

/**
 * Scores batches of rows with a {@link DlrmNetwork} and an {@link EmbeddingBackend}: validates each row
 * (feature counts, ids in range or hashed), pools all bags of a batch in one backend call, then runs the dense
 * part vectorized over the batch. Thread-safe: every batch owns its buffers.
 */
public final class DlrmScorer {
  private final DlrmNetwork network;
  private final EmbeddingBackend backend;
  private final boolean hashOutOfRange;

  public DlrmScorer(DlrmNetwork network, EmbeddingBackend backend, boolean hashOutOfRange) {
    this.network = network;
    this.backend = backend;
    this.hashOutOfRange = hashOutOfRange;
  }

  public DlrmNetwork network() {
    return network;
  }

  public EmbeddingBackend backend() {
    return backend;
  }

  /** A new empty batch able to hold {@code capacity} rows. */
  public Batch newBatch(int capacity) {
    return new Batch(capacity);
  }

  /** Scores the rows added to {@code batch} and returns their click probabilities, in order. */
  public float[] score(Batch batch) {
    int n = batch.size;
    float[] ctr = new float[n];
    if (n == 0) {
      return ctr;
    }
    float[] pooled = new float[n * network.numTables() * network.dim()];
    backend.pool(n, batch.indices, batch.offsets, pooled);
    network.forward(n, batch.dense, pooled, ctr);
    return ctr;
  }

  /** Rows collected for one {@link #score} call. Not thread-safe; one per task. */
  public final class Batch {
    private final int capacity;
    private final float[] dense;
    private final int[][] indices;
    private final int[][] offsets;
    private int size;

    private Batch(int capacity) {
      this.capacity = capacity;
      int t = network.numTables();
      this.dense = new float[capacity * network.numDense()];
      this.indices = new int[t][];
      this.offsets = new int[t][capacity + 1];
      for (int k = 0; k < t; k++) {
        indices[k] = new int[Math.max(16, capacity * 2)];
      }
    }

    public int size() {
      return size;
    }

    public boolean isFull() {
      return size == capacity;
    }

    public void clear() {
      size = 0;
    }

    /**
     * Adds one row: {@code denseValues} (numDense values) and {@code bags[k]} the ids of sparse feature k.
     * {@code where} describes the row for error messages (e.g. "row 17 of partition 3").
     */
    public void add(float[] denseValues, long[][] bags, String where) {
      if (size == capacity) {
        throw new IllegalStateException("batch is full");
      }
      int nd = network.numDense();
      int nt = network.numTables();
      if (denseValues.length != nd) {
        throw new IllegalArgumentException("dense: the model expects " + nd + " dense features but " + where
            + " has " + denseValues.length);
      }
      if (bags.length != nt) {
        throw new IllegalArgumentException("sparse: the model expects " + nt + " sparse features (one bag of ids"
            + " per embedding table) but " + where + " has " + bags.length);
      }
      System.arraycopy(denseValues, 0, dense, size * nd, nd);
      for (int t = 0; t < nt; t++) {
        long rows = network.tables().rows(t);
        long[] bag = bags[t];
        int start = offsets[t][size];
        if (start + bag.length > indices[t].length) {
          indices[t] = Arrays.copyOf(indices[t], Math.max(indices[t].length * 2, start + bag.length));
        }
        int[] into = indices[t];
        for (int k = 0; k < bag.length; k++) {
          long id = bag[k];
          if (id < 0 || id >= rows) {
            if (!hashOutOfRange) {
              throw new IllegalArgumentException("sparse feature " + t + " (embedding table " + t + ", " + rows
                  + " rows): id " + id + " is out of range [0, " + rows + ") in " + where
                  + "; set spark.sparkfusion.dlrm.outOfRangeIds=hash to map ids modulo the table size");
            }
            id = Math.floorMod(id, rows);
          }
          into[start + k] = (int) id;
        }
        offsets[t][size + 1] = start + bag.length;
      }
      size++;
    }
  }
}
