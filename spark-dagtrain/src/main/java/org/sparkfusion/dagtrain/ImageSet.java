package org.sparkfusion.dagtrain;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Grey images with int labels for resnet-small, read from IDX files (Fashion-MNIST layout, optionally gzipped).
 * Micro-batches are random samples chosen from (seed, step, micro-batch); pixels are scaled to [0,1] and centred.
 */
final class ImageSet implements MicroBatchSource, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  final byte[] pixels;
  final byte[] labels;
  final int rows;
  final int cols;
  final int batch;
  final long seed;

  ImageSet(byte[] pixels, byte[] labels, int rows, int cols, int batch, long seed) {
    if (labels.length == 0 || pixels.length != labels.length * rows * cols) {
      throw new IllegalArgumentException("image set: " + pixels.length + " pixel bytes for " + labels.length + " labels of "
          + rows + "x" + cols);
    }
    this.pixels = pixels;
    this.labels = labels;
    this.rows = rows;
    this.cols = cols;
    this.batch = batch;
    this.seed = seed;
  }

  static ImageSet readIdx(Path images, Path labelFile, int limit, int batch, long seed) throws IOException {
    try (DataInputStream im = open(images); DataInputStream lb = open(labelFile)) {
      int magic = im.readInt();
      if (magic != 0x803) {
        throw new IOException(images + ": not an IDX image file (magic " + Integer.toHexString(magic) + ", expected 803)");
      }
      int n = im.readInt();
      int r = im.readInt();
      int c = im.readInt();
      int lmagic = lb.readInt();
      if (lmagic != 0x801) {
        throw new IOException(labelFile + ": not an IDX label file (magic " + Integer.toHexString(lmagic) + ", expected 801)");
      }
      int ln = lb.readInt();
      if (ln != n) {
        throw new IOException(images + " has " + n + " images but " + labelFile + " has " + ln + " labels");
      }
      int take = Math.min(n, limit);
      byte[] px = new byte[take * r * c];
      im.readFully(px);
      byte[] lab = new byte[take];
      lb.readFully(lab);
      return new ImageSet(px, lab, r, c, batch, seed);
    }
  }

  private static DataInputStream open(Path p) throws IOException {
    if (!Files.exists(p)) {
      throw new IOException("IDX file not found: " + p + " (for resnet-small install the Debian package dataset-fashion-mnist)");
    }
    InputStream in = Files.newInputStream(p);
    return new DataInputStream(new java.io.BufferedInputStream(p.toString().endsWith(".gz") ? new GZIPInputStream(in) : in));
  }

  int size() {
    return labels.length;
  }

  @Override
  public Map<String, Tensor> microBatch(int step, int micro) {
    SplittableRandom r = new SplittableRandom(Seeds.mix(Seeds.mix(seed, step), micro));
    int per = rows * cols;
    Tensor image = Tensor.zeros(batch, 1, rows, cols);
    Tensor label = Tensor.zeros(batch);
    for (int b = 0; b < batch; b++) {
      int i = r.nextInt(labels.length);
      for (int k = 0; k < per; k++) {
        image.data[b * per + k] = (pixels[i * per + k] & 0xff) / 255.0 - 0.3;
      }
      label.data[b] = labels[i];
    }
    return Map.of("image", image, "label", label);
  }
}
