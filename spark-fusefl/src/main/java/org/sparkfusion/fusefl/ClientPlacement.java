package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

/**
 * Lays clients 0..M-1 out as partitions 0..M-1. Spark's {@code repartition(M, key)} sends an int key v to
 * partition pmod(murmur3(v, 42), M); we pick for each client the smallest non-negative v landing on its own
 * index, so the layout is exact and needs no custom RDD partitioner.
 */
final class ClientPlacement {
  static final String KEY = "_fusefl_partition_key";

  private ClientPlacement() {}

  /** Partitioning key of each client index. */
  static int[] keys(int clients) {
    int[] keys = new int[clients];
    boolean[] found = new boolean[clients];
    int left = clients;
    for (int v = 0; left > 0; v++) {
      int p = Math.floorMod(Murmur3_x86_32.hashInt(v, 42), clients);
      if (!found[p]) {
        found[p] = true;
        keys[p] = v;
        left--;
      }
    }
    return keys;
  }

  /** One partition per client; {@code indexCol} holds client indices 0..clients-1. */
  static Dataset<Row> layOut(Dataset<Row> df, String indexCol, int clients) {
    int[] keys = keys(clients);
    Column key = lit(-1);
    for (int c = clients - 1; c >= 0; c--) {
      key = when(col(indexCol).equalTo(c), lit(keys[c])).otherwise(key);
    }
    return df.withColumn(KEY, key).repartition(clients, col(KEY)).drop(KEY);
  }
}
