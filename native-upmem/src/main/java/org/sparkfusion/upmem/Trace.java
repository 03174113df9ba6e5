package org.sparkfusion.upmem;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Lookup traces: synthetic Zipf ({@code zipf:S}) or a file. File format: one sample per line, one tab-separated
 * column per table, each column a comma-separated list of row ids (empty for an empty bag); '#' starts a comment.
 */
final class Trace {
  final List<Batch> batches;

  private Trace(List<Batch> batches) {
    this.batches = batches;
  }

  /** numBatches batches of batchSize bags per table; bag sizes uniform in [1, 2*pooling-1], ids Zipf(s). */
  static Trace zipf(TableShapes shapes, double s, int numBatches, int batchSize, int pooling, long seed) {
    if (numBatches <= 0 || batchSize <= 0 || pooling <= 0) {
      throw new IllegalArgumentException("trace needs positive batches, batch size and pooling");
    }
    ZipfSampler[] samplers = new ZipfSampler[shapes.numTables()];
    for (int t = 0; t < samplers.length; t++) {
      samplers[t] = new ZipfSampler(shapes.rows[t], s, seed * 7919 + t);
    }
    SplittableRandom r = new SplittableRandom(seed);
    List<Batch> out = new ArrayList<>();
    for (int b = 0; b < numBatches; b++) {
      int[][] idx = new int[samplers.length][];
      int[][] off = new int[samplers.length][];
      for (int t = 0; t < samplers.length; t++) {
        off[t] = new int[batchSize + 1];
        int[] sizes = new int[batchSize];
        int total = 0;
        for (int k = 0; k < batchSize; k++) {
          sizes[k] = pooling == 1 ? 1 : 1 + r.nextInt(2 * pooling - 1);
          total += sizes[k];
        }
        idx[t] = new int[total];
        int pos = 0;
        for (int k = 0; k < batchSize; k++) {
          off[t][k] = pos;
          for (int j = 0; j < sizes[k]; j++) {
            idx[t][pos++] = samplers[t].sample(r);
          }
        }
        off[t][batchSize] = pos;
      }
      out.add(new Batch(batchSize, idx, off));
    }
    return new Trace(out);
  }

  static Trace read(Path file, TableShapes shapes, int batchSize) throws IOException {
    List<Batch> out = new ArrayList<>();
    List<int[][]> rows = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] cols = line.split("\t", -1);
        if (cols.length != shapes.numTables()) {
          throw new IllegalArgumentException(file + " line " + lineNo + ": " + cols.length + " columns, the model has "
              + shapes.numTables() + " tables");
        }
        int[][] sample = new int[cols.length][];
        for (int t = 0; t < cols.length; t++) {
          String c = cols[t].trim();
          String[] ids = c.isEmpty() ? new String[0] : c.split(",");
          sample[t] = new int[ids.length];
          for (int k = 0; k < ids.length; k++) {
            long id;
            try {
              id = Long.parseLong(ids[k].trim());
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException(file + " line " + lineNo + " table " + t + ": '" + ids[k]
                  + "' is not a row id", e);
            }
            if (id < 0 || id >= shapes.rows[t]) {
              throw new IllegalArgumentException(file + " line " + lineNo + " table " + t + ": row id " + id
                  + " outside [0, " + shapes.rows[t] + ")");
            }
            sample[t][k] = (int) id;
          }
        }
        rows.add(sample);
        if (rows.size() == batchSize) {
          out.add(toBatch(rows, shapes.numTables()));
          rows.clear();
        }
      }
    }
    if (!rows.isEmpty()) {
      out.add(toBatch(rows, shapes.numTables()));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no samples");
    }
    return new Trace(out);
  }

  private static Batch toBatch(List<int[][]> samples, int numTables) {
    int[][] idx = new int[numTables][];
    int[][] off = new int[numTables][];
    for (int t = 0; t < numTables; t++) {
      off[t] = new int[samples.size() + 1];
      int total = 0;
      for (int[][] s : samples) {
        total += s[t].length;
      }
      idx[t] = new int[total];
      int pos = 0;
      for (int b = 0; b < samples.size(); b++) {
        off[t][b] = pos;
        int[] ids = samples.get(b)[t];
        System.arraycopy(ids, 0, idx[t], pos, ids.length);
        pos += ids.length;
      }
      off[t][samples.size()] = pos;
    }
    return new Batch(samples.size(), idx, off);
  }

  Trace subList(int from, int to) {
    return new Trace(batches.subList(from, to));
  }
}
