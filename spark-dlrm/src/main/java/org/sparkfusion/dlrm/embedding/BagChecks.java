package org.sparkfusion.dlrm.embedding;

/**
 * Bounds checks of a batch against a table, shared by every pooling path, so that no id can read outside its table
 * (with tables packed into one arena by {@link PinnedTables}, an id past table t would otherwise silently read
 * table t + 1, and in native code outside the heap). Callers validate ids when rows are added; these checks are the
 * defence in depth in front of the kernels, one comparison per id.
 */
final class BagChecks {
  private BagChecks() {}

  /** Checks table {@code t}'s storage: {@code rows} rows of {@code dim} from {@code base} inside {@code w}. */
  static void checkTable(String backend, int t, long rows, int dim, float[] w, int base) {
    if (dim < 1 || rows < 0 || rows > Integer.MAX_VALUE || base < 0
        || Math.multiplyHigh(rows, dim) != 0 || base + rows * dim > w.length) {
      throw new IllegalArgumentException(backend + ": embedding table " + t + " (emb_l." + t + ".weight) claims "
          + rows + " rows of dim " + dim + " from index " + base + " but its storage holds " + w.length + " floats");
    }
  }

  /** Checks offsets and every id of table {@code t} for bags [0, numBags). */
  static void checkBags(String backend, int t, long rows, int[] idx, int[] off, int numBags) {
    if (numBags < 0 || off.length < numBags + 1 || off[0] < 0) {
      throw new IllegalArgumentException(backend + ": embedding table " + t + ": " + (numBags + 1)
          + " bag offsets needed, " + off.length + " given (or a negative first offset)");
    }
    for (int b = 0; b < numBags; b++) {
      if (off[b + 1] < off[b]) {
        throw new IllegalArgumentException(backend + ": embedding table " + t + ": bag offsets decrease at bag " + b);
      }
    }
    if (off[numBags] > idx.length) {
      throw new IllegalArgumentException(backend + ": embedding table " + t + ": bags need " + off[numBags]
          + " ids but " + idx.length + " were given");
    }
    for (int k = off[0], end = off[numBags]; k < end; k++) {
      if (idx[k] < 0 || idx[k] >= rows) {
        throw badId(backend, t, rows, idx[k], k);
      }
    }
  }

  static IllegalArgumentException badId(String backend, int t, long rows, int id, int position) {
    return new IllegalArgumentException(backend + ": embedding table " + t + " (emb_l." + t + ".weight, " + rows
        + " rows): id " + id + " at batch position " + position + " is out of range [0, " + rows + ")");
  }

  /** Checks that {@code numBags} bags of {@code numTables * dim} values fit {@code out}. */
  static void checkOut(String backend, int numBags, int numTables, int dim, float[] out) {
    if ((long) numBags * numTables * dim > out.length) {
      throw new IllegalArgumentException(backend + ": output of " + out.length + " floats is too small for "
          + numBags + " bags of " + numTables + " tables of dim " + dim);
    }
  }
}
