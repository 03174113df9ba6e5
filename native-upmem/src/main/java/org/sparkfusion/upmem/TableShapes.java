package org.sparkfusion.upmem;

import java.util.Arrays;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/** Rows per table and the shared embedding dimension (what partitioning needs; no weights). */
final class TableShapes {
  final long[] rows;
  final int dim;

  TableShapes(long[] rows, int dim) {
    if (dim <= 0) {
      throw new IllegalArgumentException("embedding dim must be positive, got " + dim);
    }
    for (int t = 0; t < rows.length; t++) {
      if (rows[t] <= 0 || rows[t] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("table " + t + " has " + rows[t] + " rows; expected 1.." + Integer.MAX_VALUE);
      }
    }
    this.rows = rows.clone();
    this.dim = dim;
  }

  static TableShapes of(EmbeddingTables tables) {
    long[] rows = new long[tables.numTables()];
    for (int t = 0; t < rows.length; t++) {
      rows[t] = tables.rows(t);
    }
    return new TableShapes(rows, tables.dim());
  }

  /** Parses {@code ROWSxDIM,ROWSxDIM,...} (all dims equal). */
  static TableShapes parse(String spec) {
    String[] parts = spec.split(",");
    long[] rows = new long[parts.length];
    int dim = -1;
    for (int t = 0; t < parts.length; t++) {
      String[] rd = parts[t].trim().toLowerCase(java.util.Locale.ROOT).split("x");
      if (rd.length != 2) {
        throw new IllegalArgumentException("--tables entry '" + parts[t] + "' is not ROWSxDIM");
      }
      try {
        rows[t] = Long.parseLong(rd[0].trim());
        int d = Integer.parseInt(rd[1].trim());
        if (dim >= 0 && d != dim) {
          throw new IllegalArgumentException("--tables: every table needs the same dim, entry " + t + " has " + d
              + " but earlier ones have " + dim);
        }
        dim = d;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--tables entry '" + parts[t] + "' is not ROWSxDIM", e);
      }
    }
    return new TableShapes(rows, dim);
  }

  int numTables() {
    return rows.length;
  }

  long totalRows() {
    return Arrays.stream(rows).sum();
  }

  @Override
  public String toString() {
    return rows.length + " tables, " + totalRows() + " rows, dim " + dim;
  }
}
