package org.sparkfusion.fusefl.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where the records of an image file are: fixed-size records after a header, labels either inline (the first
 * byte of each record, CIFAR-10) or in a separate IDX label file (MNIST). Files may be gzipped (detected by
 * their magic bytes). Validated on the driver; read by range on the executors.
 */
final class ImageFileLayout implements Serializable {
  private static final long serialVersionUID = 1L;
  static final int IDX_IMAGES_MAGIC = 0x00000803;
  static final int IDX_LABELS_MAGIC = 0x00000801;

  final String images;
  final String labels; // null when labels are inline
  final int imageHeader;
  final int labelHeader;
  final int recordBytes; // including an inline label byte
  final boolean inlineLabel;
  final int count;
  final int channels;
  final int height;
  final int width;

  ImageFileLayout(String images, String labels, int imageHeader, int labelHeader, int recordBytes,
      boolean inlineLabel, int count, int channels, int height, int width) {
    this.images = images;
    this.labels = labels;
    this.imageHeader = imageHeader;
    this.labelHeader = labelHeader;
    this.recordBytes = recordBytes;
    this.inlineLabel = inlineLabel;
    this.count = count;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  int pixels() {
    return channels * height * width;
  }

  /** Validates an IDX image file and its label file (headers, counts, lengths). */
  static ImageFileLayout idx(String imagesPath, String labelsPath, Configuration conf) throws IOException {
    int count;
    int rows;
    int cols;
    try (DataInputStream in = new DataInputStream(open(imagesPath, conf))) {
      int magic = readHeaderInt(in, imagesPath, "magic number");
      if (magic != IDX_IMAGES_MAGIC) {
        throw new IOException("Bad magic number 0x" + Integer.toHexString(magic) + " in IDX image file " + imagesPath
            + " (expected 0x00000803: unsigned bytes, 3 dimensions)");
      }
      count = readHeaderInt(in, imagesPath, "image count");
      rows = readHeaderInt(in, imagesPath, "row count");
      cols = readHeaderInt(in, imagesPath, "column count");
      if (count < 0 || rows <= 0 || cols <= 0) {
        throw new IOException("Bad dimensions " + count + "x" + rows + "x" + cols + " in IDX image file " + imagesPath);
      }
      long have = skipAll(in);
      long want = (long) count * rows * cols;
      if (have < want) {
        throw new IOException("Truncated IDX image file " + imagesPath + ": header says " + count + " images of "
            + rows + "x" + cols + " (" + want + " bytes) but only " + have + " bytes follow");
      }
    }
    int labelCount;
    try (DataInputStream in = new DataInputStream(open(labelsPath, conf))) {
      int magic = readHeaderInt(in, labelsPath, "magic number");
      if (magic != IDX_LABELS_MAGIC) {
        throw new IOException("Bad magic number 0x" + Integer.toHexString(magic) + " in IDX label file " + labelsPath
            + " (expected 0x00000801: unsigned bytes, 1 dimension)");
      }
      labelCount = readHeaderInt(in, labelsPath, "label count");
      long have = skipAll(in);
      if (have < labelCount) {
        throw new IOException("Truncated IDX label file " + labelsPath + ": header says " + labelCount
            + " labels but only " + have + " bytes follow");
      }
    }
    if (labelCount != count) {
      throw new IOException("Count mismatch: " + imagesPath + " holds " + count + " images but " + labelsPath
          + " holds " + labelCount + " labels");
    }
    return new ImageFileLayout(imagesPath, labelsPath, 16, 8, rows * cols, false, count, 1, rows, cols);
  }

  /** Validates a CIFAR-10 binary file: records of 1 label byte + 3072 pixel bytes (R, G, B planes). */
  static ImageFileLayout cifar10(String path, Configuration conf) throws IOException {
    int record = 1 + 3 * 32 * 32;
    long length;
    try (InputStream in = open(path, conf)) {
      length = skipAll(in);
    }
    if (length == 0 || length % record != 0) {
      throw new IOException("Malformed CIFAR-10 binary file " + path + ": " + length
          + " bytes is not a positive multiple of the " + record + "-byte record (truncated?)");
    }
    return new ImageFileLayout(path, null, 0, 0, record, true, (int) (length / record), 3, 32, 32);
  }

  static InputStream open(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new IOException("No such file: " + path);
    }
    BufferedInputStream in = new BufferedInputStream(fs.open(p), 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return in;
  }

  private static int readHeaderInt(DataInputStream in, String path, String what) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new IOException("Truncated header in " + path + ": missing " + what, e);
    }
  }

  private static long skipAll(InputStream in) throws IOException {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    int r;
    while ((r = in.read(buf)) > 0) {
      total += r;
    }
    return total;
  }

  static void skipFully(InputStream in, long n, String path) throws IOException {
    long left = n;
    while (left > 0) {
      long s = in.skip(left);
      if (s <= 0) {
        if (in.read() < 0) {
          throw new IOException("Unexpected end of file in " + path);
        }
        s = 1;
      }
      left -= s;
    }
  }
}
