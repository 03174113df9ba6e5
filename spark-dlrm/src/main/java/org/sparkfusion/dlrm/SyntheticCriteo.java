package org.sparkfusion.dlrm;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkfusion.dlrm.checkpoint.Tensor;

/** Criteo-shaped synthetic rows and random reference-layout DLRM weights (for demos and benchmarks). */
final class SyntheticCriteo {
  /** Rows per table of the Criteo Kaggle (Display Advertising Challenge) data set, as the reference trainer counts them. */
  static final long[] KAGGLE_TABLE_ROWS = {1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593,
      3194, 27, 14992, 5461306, 10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572};
  static final int DENSE = 13;

  static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("dense", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("sparse", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.IntegerType, false), false), false);

  private SyntheticCriteo() {}

  /** Kaggle table sizes capped at {@code maxRows}. */
  static int[] tableRows(long maxRows) {
    int[] out = new int[KAGGLE_TABLE_ROWS.length];
    for (int t = 0; t < out.length; t++) {
      out[t] = (int) Math.min(KAGGLE_TABLE_ROWS[t], maxRows);
    }
    return out;
  }

  /**
   * Approximately Zipf(1)-skewed id in [0, rows): log-uniform inversion, P(id = k) ~ 1/(k+1), so a few rows take
   * most lookups as in real click logs.
   */
  static int zipfId(SplittableRandom r, int rows) {
    double u = r.nextDouble();
    long k = (long) Math.floor(Math.exp(u * Math.log(rows + 1.0))) - 1;
    return (int) Math.min(Math.max(k, 0), rows - 1);
  }

  /** Generates the rows of one partition of {@code spark.range}; deterministic in (seed, first id). */
  static final class RowGenerator implements MapPartitionsFunction<Long, Row> {
    private static final long serialVersionUID = 1L;
    private final int[] tableRows;
    private final int bagSize;
    private final long seed;

    RowGenerator(int[] tableRows, int bagSize, long seed) {
      this.tableRows = tableRows;
      this.bagSize = bagSize;
      this.seed = seed;
    }

    @Override
    public Iterator<Row> call(Iterator<Long> ids) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return ids.hasNext();
        }

        @Override
        public Row next() {
          long id = ids.next();
          SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
          List<Float> dense = new ArrayList<>(DENSE);
          for (int i = 0; i < DENSE; i++) {
            dense.add((float) Math.exp(r.nextGaussian() * 1.0)); // log-normal(0, 1)
          }
          List<List<Integer>> sparse = new ArrayList<>(tableRows.length);
          for (int rows : tableRows) {
            List<Integer> bag = new ArrayList<>(bagSize);
            for (int k = 0; k < bagSize; k++) {
              bag.add(zipfId(r, rows));
            }
            sparse.add(bag);
          }
          return RowFactory.create(id, scala.jdk.javaapi.CollectionConverters.asScala(dense).toSeq(),
              scala.jdk.javaapi.CollectionConverters.asScala(toSeqs(sparse)).toSeq());
        }
      };
    }

    private static List<scala.collection.immutable.Seq<Integer>> toSeqs(List<List<Integer>> bags) {
      List<scala.collection.immutable.Seq<Integer>> out = new ArrayList<>(bags.size());
      for (List<Integer> b : bags) {
        out.add(scala.jdk.javaapi.CollectionConverters.asScala(b).toSeq());
      }
      return out;
    }
  }

  /**
   * Random weights in the reference layout: embeddings U(-1/sqrt(rows), 1/sqrt(rows)), Linear weights
   * N(0, sqrt(2/(in+out))) and biases N(0, sqrt(1/out)), as the reference trainer initializes them.
   */
  static Map<String, Tensor> randomModel(int[] tableRows, int dim, int[] bottom, int[] top, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int t = 0; t < tableRows.length; t++) {
      float[] w = new float[tableRows[t] * dim];
      double a = Math.sqrt(1.0 / tableRows[t]);
      for (int k = 0; k < w.length; k++) {
        w[k] = (float) (r.nextDouble(-a, a));
      }
      out.put("emb_l." + t + ".weight", new Tensor("emb_l." + t + ".weight", new long[] {tableRows[t], dim}, w));
    }
    mlp(out, "bot_l", bottom, r);
    mlp(out, "top_l", top, r);
    return out;
  }

  private static void mlp(Map<String, Tensor> out, String prefix, int[] sizes, SplittableRandom r) {
    for (int i = 0; i + 1 < sizes.length; i++) {
      int in = sizes[i];
      int o = sizes[i + 1];
      float[] w = new float[o * in];
      float[] b = new float[o];
      double sw = Math.sqrt(2.0 / (in + o));
      double sb = Math.sqrt(1.0 / o);
      for (int k = 0; k < w.length; k++) {
        w[k] = (float) (r.nextGaussian() * sw);
      }
      for (int k = 0; k < b.length; k++) {
        b[k] = (float) (r.nextGaussian() * sb);
      }
      String base = prefix + "." + (2 * i);
      out.put(base + ".weight", new Tensor(base + ".weight", new long[] {o, in}, w));
      out.put(base + ".bias", new Tensor(base + ".bias", new long[] {o}, b));
    }
  }

  static int[] parseSizes(String flag, String s) {
    int[] sizes;
    try {
      sizes = java.util.Arrays.stream(s.split("-")).mapToInt(Integer::parseInt).toArray();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": expected sizes like 512-256-1, got " + s, e);
    }
    for (int v : sizes) {
      if (v < 1) {
        throw new IllegalArgumentException(flag + ": every size must be >= 1, got " + s);
      }
    }
    return sizes;
  }
}
