package org.sparkfusion.upmem;

import java.util.ArrayList;
import java.util.List;

/** Access counts per row from a profiling sample of batches (and the sample itself, for co-occurrence). */
final class AccessProfile {
  final int[][] counts;
  final List<Batch> sample = new ArrayList<>();

  AccessProfile(TableShapes shapes) {
    counts = new int[shapes.numTables()][];
    for (int t = 0; t < counts.length; t++) {
      counts[t] = new int[(int) shapes.rows[t]];
    }
  }

  static AccessProfile of(TableShapes shapes, List<Batch> batches) {
    AccessProfile p = new AccessProfile(shapes);
    batches.forEach(p::record);
    return p;
  }

  void record(Batch batch) {
    sample.add(batch);
    for (int t = 0; t < counts.length; t++) {
      int[] c = counts[t];
      int[] ids = batch.indices[t];
      for (int i = batch.offsets[t][0]; i < batch.offsets[t][batch.numBags]; i++) {
        c[ids[i]]++;
      }
    }
  }

  long lookups() {
    long n = 0;
    for (Batch b : sample) {
      n += b.lookups();
    }
    return n;
  }
}
