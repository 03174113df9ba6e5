package org.sparkfusion.fusefl.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Executor side: reads the records of the partition numbers it is given as (features, label) rows. The driver
 * validated the files; a file that changed since still fails with the file and record named, never with a
 * short read.
 */
final class ImageRangeReader implements FlatMapFunction<Iterator<Integer>, Row> {
  private static final long serialVersionUID = 1L;
  private final ImageFileLayout layout;
  private final int partitions;

  ImageRangeReader(ImageFileLayout layout, int partitions) {
    this.layout = layout;
    this.partitions = partitions;
  }

  @Override
  public Iterator<Row> call(Iterator<Integer> parts) {
    List<Row> rows = new ArrayList<>();
    Configuration conf = new Configuration();
    while (parts.hasNext()) {
      int p = parts.next();
      int from = (int) ((long) layout.count * p / partitions);
      int to = (int) ((long) layout.count * (p + 1) / partitions);
      read(from, to, conf, rows);
    }
    return rows.iterator();
  }

  private void read(int from, int to, Configuration conf, List<Row> rows) {
    if (from >= to) {
      return;
    }
    int pixels = layout.pixels();
    byte[] record = new byte[layout.recordBytes];
    byte[] labels = null;
    String kind = layout.inlineLabel ? ImageFileLayout.CIFAR : ImageFileLayout.IMAGES;
    if (!layout.inlineLabel) {
      labels = new byte[to - from];
      try (ImageFileLayout.Source in = ImageFileLayout.Source.open(layout.labels, ImageFileLayout.LABELS, conf)) {
        in.skipTo(layout.labelHeader + (long) from);
        in.readRecord(labels, "labels", from);
      }
    }
    try (ImageFileLayout.Source in = ImageFileLayout.Source.open(layout.images, kind, conf)) {
      in.skipTo(Math.addExact(layout.imageHeader, Math.multiplyExact((long) from, layout.recordBytes)));
      for (int i = from; i < to; i++) {
        in.readRecord(record, "record", i);
        int offset = layout.inlineLabel ? 1 : 0;
        float[] features = new float[pixels];
        for (int j = 0; j < pixels; j++) {
          features[j] = (record[offset + j] & 0xff) / 255f;
        }
        int label = layout.inlineLabel ? record[0] & 0xff : labels[i - from] & 0xff;
        rows.add(RowFactory.create(features, label));
      }
    }
  }
}
