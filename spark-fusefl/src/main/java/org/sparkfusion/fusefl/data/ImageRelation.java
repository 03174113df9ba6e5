package org.sparkfusion.fusefl.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** A validated image file as a relation of (features array&lt;float&gt;, label int), read in ranges. */
final class ImageRelation extends BaseRelation implements TableScan {
  static final StructType SCHEMA = new StructType(new StructField[] {
      new StructField("features", DataTypes.createArrayType(DataTypes.FloatType, false), false, Metadata.empty()),
      new StructField("label", DataTypes.IntegerType, false, Metadata.empty())});

  private final SQLContext sqlContext;
  private final ImageFileLayout layout;
  private final int partitions;

  ImageRelation(SQLContext sqlContext, ImageFileLayout layout, int partitions) {
    this.sqlContext = sqlContext;
    this.layout = layout;
    this.partitions = partitions;
  }

  @Override
  public SQLContext sqlContext() {
    return sqlContext;
  }

  @Override
  public StructType schema() {
    return SCHEMA;
  }

  @Override
  public RDD<Row> buildScan() {
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(p);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sqlContext.sparkContext());
    return jsc.parallelize(parts, partitions).mapPartitions(new ImageRangeReader(layout, partitions)).rdd();
  }

  static int partitions(scala.collection.immutable.Map<String, String> options, int count) {
    String raw = options.get("numPartitions").getOrElse(() -> null);
    if (raw == null) {
      return Math.max(1, Math.min(64, (count + 9999) / 10000));
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      // More partitions than images would only add empty tasks (and a list of 2^31 partition numbers).
      return Math.min(n, Math.max(1, count));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Option numPartitions must be a positive integer, got '" + raw + "'");
    }
  }
}
