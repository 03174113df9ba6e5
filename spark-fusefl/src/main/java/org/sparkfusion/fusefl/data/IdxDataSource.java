package org.sparkfusion.fusefl.data;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;

/**
 * {@code spark.read.format("idx").load(imagesPath)}: an IDX image file (MNIST / Fashion-MNIST layout, gzipped
 * or not) with its labels. Options: {@code labels} (the IDX label file; default: the images path with
 * {@code images-idx3} replaced by {@code labels-idx1}), {@code numPartitions}. Columns: {@code features}
 * array&lt;float&gt; (pixels / 255, row-major) and {@code label} int. Bad magic numbers, dimensions that overflow
 * or exceed what a row holds, truncated files, bytes after the declared records, corrupt or truncated gzip data
 * and image/label count mismatches fail at load time with an {@link ImageFormatException} naming the file.
 */
public final class IdxDataSource implements RelationProvider, DataSourceRegister {
  @Override
  public String shortName() {
    return "idx";
  }

  @Override
  public BaseRelation createRelation(SQLContext sqlContext, scala.collection.immutable.Map<String, String> options) {
    String images = options.get("path").getOrElse(() -> null);
    if (images == null) {
      throw new IllegalArgumentException("format idx needs a path: spark.read.format(\"idx\").load(imagesPath)");
    }
    String labels = options.get("labels").getOrElse(() -> defaultLabels(images));
    Configuration conf = sqlContext.sparkContext().hadoopConfiguration();
    ImageFileLayout layout = ImageFileLayout.idx(qualify(images, conf), qualify(labels, conf), conf);
    return new ImageRelation(sqlContext, layout, ImageRelation.partitions(options, layout.count));
  }

  /** {@code .../train-images-idx3-ubyte.gz} to {@code .../train-labels-idx1-ubyte.gz}. */
  public static String defaultLabels(String images) {
    String name = new Path(images).getName();
    if (!name.contains("images-idx3")) {
      throw new IllegalArgumentException("Cannot derive the label file from " + images
          + " (no 'images-idx3' in its name); set option labels");
    }
    return new Path(new Path(images).getParent(), name.replace("images-idx3", "labels-idx1")).toString();
  }

  static String qualify(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      return p.getFileSystem(conf).makeQualified(p).toString();
    } catch (IOException e) {
      throw new ImageFormatException("Cannot open the file system of " + path + ": " + e.getMessage(), e);
    }
  }
}
