package org.sparkfusion.fusefl.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;

/**
 * {@code spark.read.format("cifar10").load(binPath)}: one CIFAR-10 binary batch file (records of one label
 * byte and 3072 pixel bytes: 32x32 red, green, blue planes). Columns as for {@code idx}; features are 3x32x32
 * channels first. A length that is not a multiple of 3073 bytes fails with the file named.
 */
public final class Cifar10DataSource implements RelationProvider, DataSourceRegister {
  @Override
  public String shortName() {
    return "cifar10";
  }

  @Override
  public BaseRelation createRelation(SQLContext sqlContext, scala.collection.immutable.Map<String, String> options) {
    String path = options.get("path").getOrElse(() -> null);
    if (path == null) {
      throw new IllegalArgumentException("format cifar10 needs a path: spark.read.format(\"cifar10\").load(binPath)");
    }
    Configuration conf = sqlContext.sparkContext().hadoopConfiguration();
    ImageFileLayout layout = ImageFileLayout.cifar10(IdxDataSource.qualify(path, conf), conf);
    return new ImageRelation(sqlContext, layout, ImageRelation.partitions(options, layout.count));
  }
}
