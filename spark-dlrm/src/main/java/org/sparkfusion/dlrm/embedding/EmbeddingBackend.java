package org.sparkfusion.dlrm.embedding;

/** Sum-pools bags of rows for all tables of one batch. Thread-safe: tasks of one executor share one instance. */
public interface EmbeddingBackend extends AutoCloseable {
  /** Backend name: "cpu", "cpu-int8", "upmem", "upmem-emu". */
  String name();

  /**
   * indices[t]: row ids of table t for all bags of the batch, concatenated, each already validated in [0, rows(t));
   * offsets[t]: numBags+1 entries, bag b of table t is indices[t][offsets[t][b] .. offsets[t][b+1]) (empty bag pools to zeros).
   * Writes out[b*numTables*dim + t*dim + d] (out.length >= numBags*numTables*dim).
   */
  void pool(int numBags, int[][] indices, int[][] offsets, float[] out);

  @Override
  void close();
}
