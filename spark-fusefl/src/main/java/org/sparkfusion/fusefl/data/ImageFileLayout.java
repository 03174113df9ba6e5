package org.sparkfusion.fusefl.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
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
 * their magic bytes). Validated on the driver — every header value checked, every size computed with
 * {@link Math#multiplyExact}, the whole file read (a gzip file to its CRC trailer) and its length compared with
 * what the header declares, both ways — and read by range on the executors. Every failure is an
 * {@link ImageFormatException} naming the file and, where it makes sense, the byte offset or record.
 */
final class ImageFileLayout implements Serializable {
  private static final long serialVersionUID = 1L;
  static final int IDX_IMAGES_MAGIC = 0x00000803;
  static final int IDX_LABELS_MAGIC = 0x00000801;
  static final int IDX_IMAGE_HEADER = 16;
  static final int IDX_LABEL_HEADER = 8;
  /**
   * Most pixels one image may have: its features become one Spark array of floats (4 bytes each), and a Spark
   * array is limited to about 2 GB; 2^28 pixels is 1 GB of floats per row.
   */
  static final long MAX_PIXELS = 1L << 28;
  static final String IMAGES = "IDX image file";
  static final String LABELS = "IDX label file";
  static final String CIFAR = "CIFAR-10 binary file";

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

  /** Pixels per image; bounded by {@link #MAX_PIXELS} when the layout was validated. */
  int pixels() {
    return Math.toIntExact((long) channels * height * width);
  }

  /** Validates an IDX image file and its label file (headers, counts, lengths, gzip integrity). */
  static ImageFileLayout idx(String imagesPath, String labelsPath, Configuration conf) {
    int count;
    int rows;
    int cols;
    try (Source in = Source.open(imagesPath, IMAGES, conf)) {
      int magic = in.readInt("magic number");
      if (magic != IDX_IMAGES_MAGIC) {
        throw new ImageFormatException("Bad magic number 0x" + String.format("%08x", magic) + " in " + IMAGES + " "
            + imagesPath + " (expected 0x00000803: unsigned bytes, 3 dimensions)");
      }
      count = in.readInt("image count");
      rows = in.readInt("row count");
      cols = in.readInt("column count");
      if (count < 0 || rows <= 0 || cols <= 0) {
        throw new ImageFormatException("Bad dimensions " + Integer.toUnsignedString(count) + "x"
            + Integer.toUnsignedString(rows) + "x" + Integer.toUnsignedString(cols) + " in " + IMAGES + " "
            + imagesPath + " (the image count must be in [0, 2^31-1] and rows and columns in [1, 2^31-1])");
      }
      long pixels = Math.multiplyExact((long) rows, cols); // two ints: cannot overflow a long, kept checked
      if (pixels > MAX_PIXELS) {
        throw new ImageFormatException(IMAGES + " " + imagesPath + " declares images of " + rows + "x" + cols + " = "
            + pixels + " pixels, more than the " + MAX_PIXELS + " one row's features can hold");
      }
      long want = multiply(count, pixels, imagesPath);
      long have = in.drain();
      checkLength(IMAGES, imagesPath, IDX_IMAGE_HEADER, have, want, count, "image", pixels,
          count + " images of " + rows + "x" + cols);
    }
    int labelCount;
    try (Source in = Source.open(labelsPath, LABELS, conf)) {
      int magic = in.readInt("magic number");
      if (magic != IDX_LABELS_MAGIC) {
        throw new ImageFormatException("Bad magic number 0x" + String.format("%08x", magic) + " in " + LABELS + " "
            + labelsPath + " (expected 0x00000801: unsigned bytes, 1 dimension)");
      }
      labelCount = in.readInt("label count");
      if (labelCount < 0) {
        throw new ImageFormatException("Bad label count " + Integer.toUnsignedString(labelCount) + " in " + LABELS
            + " " + labelsPath + " (must be in [0, 2^31-1])");
      }
      long have = in.drain();
      checkLength(LABELS, labelsPath, IDX_LABEL_HEADER, have, labelCount, labelCount, "label", 1,
          labelCount + " labels");
    }
    if (labelCount != count) {
      throw new ImageFormatException("Count mismatch: " + imagesPath + " holds " + count + " images but " + labelsPath
          + " holds " + labelCount + " labels");
    }
    return new ImageFileLayout(imagesPath, labelsPath, IDX_IMAGE_HEADER, IDX_LABEL_HEADER, rows * cols, false,
        count, 1, rows, cols);
  }

  /** Validates a CIFAR-10 binary file: records of 1 label byte + 3072 pixel bytes (R, G, B planes). */
  static ImageFileLayout cifar10(String path, Configuration conf) {
    int record = 1 + 3 * 32 * 32;
    long length;
    try (Source in = Source.open(path, CIFAR, conf)) {
      length = in.drain();
    }
    if (length == 0 || length % record != 0) {
      throw new ImageFormatException("Malformed " + CIFAR + " " + path + ": " + length
          + " bytes is not a positive multiple of the " + record + "-byte record (truncated?); record "
          + length / record + " is incomplete");
    }
    if (length / record > Integer.MAX_VALUE) {
      throw new ImageFormatException(CIFAR + " " + path + " holds " + length / record
          + " records, more than one data source reads (2^31-1)");
    }
    return new ImageFileLayout(path, null, 0, 0, record, true, (int) (length / record), 3, 32, 32);
  }

  private static long multiply(long count, long perRecord, String path) {
    try {
      return Math.multiplyExact(count, perRecord);
    } catch (ArithmeticException e) {
      throw new ImageFormatException(IMAGES + " " + path + " declares " + count + " images of " + perRecord
          + " pixels, a size that overflows 64-bit arithmetic");
    }
  }

  /** The bytes after the header must be exactly what it declares: fewer is a truncation, more a wrong header. */
  private static void checkLength(String kind, String path, int header, long have, long want, long records,
      String record, long recordBytes, String declared) {
    if (have < want) {
      throw new ImageFormatException("Truncated " + kind + " " + path + ": header says " + declared + " (" + want
          + " bytes) but only " + have + " bytes follow; " + record + " " + have / recordBytes + " of " + records
          + " is the first incomplete one (file ends at byte " + (header + have) + ")");
    }
    if (have > want) {
      throw new ImageFormatException(kind + " " + path + " has " + (have - want) + " bytes after the " + declared
          + " its header declares, from byte " + (header + want) + " (wrong header or concatenated files)");
    }
  }

  /**
   * An opened image file with its position (in uncompressed bytes) so that every error can name where it
   * happened; I/O and gzip errors become {@link ImageFormatException}s naming the file.
   */
  static final class Source implements Closeable {
    final String path;
    final String kind;
    final boolean gzip;
    private final InputStream in;
    private long pos;

    private Source(String path, String kind, boolean gzip, InputStream in) {
      this.path = path;
      this.kind = kind;
      this.gzip = gzip;
      this.in = in;
    }

    static Source open(String path, String kind, Configuration conf) {
      Path p = new Path(path);
      InputStream raw = null;
      boolean gzip = false;
      try {
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
          throw new ImageFormatException("No such file: " + path + " (" + kind + ")");
        }
        if (fs.getFileStatus(p).isDirectory()) {
          throw new ImageFormatException(kind + " " + path + " is a directory, not a file");
        }
        BufferedInputStream in = new BufferedInputStream(fs.open(p), 1 << 16);
        raw = in;
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
          gzip = true;
          return new Source(path, kind, true, new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16));
        }
        return new Source(path, kind, false, in);
      } catch (IOException e) {
        closeQuietly(raw);
        throw new Source(path, kind, gzip, null).broken(e);
      }
    }

    long position() {
      return pos;
    }

    /** A big-endian int of the header; the end of the file here is a truncated header. */
    int readInt(String what) {
      byte[] b = new byte[4];
      if (!fill(b)) {
        throw new ImageFormatException("Truncated header in " + kind + " " + path + ": missing " + what
            + " (the file ends at byte " + pos + ")");
      }
      return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /** Fills {@code b} with record {@code index}; the end of the file first is an error naming the record. */
    void readRecord(byte[] b, String record, long index) {
      long at = pos;
      if (!fill(b)) {
        throw new ImageFormatException(kind + " " + path + " ends at byte " + pos + " inside " + record + " " + index
            + " (which starts at byte " + at + "; the file changed or was truncated after it was validated)");
      }
    }

    /** Skips to byte {@code offset} (of the uncompressed content). */
    void skipTo(long offset) {
      byte[] scratch = null;
      try {
        while (pos < offset) {
          long s = in.skip(offset - pos);
          if (s <= 0) {
            scratch = scratch == null ? new byte[1 << 16] : scratch;
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, offset - pos));
            if (r < 0) {
              throw new ImageFormatException(kind + " " + path + " ends at byte " + pos + ", before byte " + offset
                  + " (the file changed or was truncated after it was validated)");
            }
            s = r;
          }
          pos += s;
        }
      } catch (IOException e) {
        throw broken(e);
      }
    }

    /** Reads to the end (a gzip file through its CRC trailer) and returns how many bytes there were. */
    long drain() {
      byte[] buf = new byte[1 << 16];
      long from = pos;
      try {
        int r;
        while ((r = in.read(buf)) >= 0) {
          pos += r;
        }
      } catch (IOException e) {
        throw broken(e);
      }
      return pos - from;
    }

    private boolean fill(byte[] b) {
      int got = 0;
      try {
        while (got < b.length) {
          int r = in.read(b, got, b.length - got);
          if (r < 0) {
            return false;
          }
          got += r;
          pos += r;
        }
        return true;
      } catch (IOException e) {
        throw broken(e);
      }
    }

    ImageFormatException broken(IOException e) {
      String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
          .orElse("");
      String what = gzip ? "corrupt or truncated gzip data at uncompressed byte " : "read error at byte ";
      return new ImageFormatException(kind + " " + path + ": " + what + pos + ": " + detail, e);
    }

    @Override
    public void close() {
      closeQuietly(in);
    }

    private static void closeQuietly(InputStream s) {
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // Nothing was written; a failed close of a file we only read loses nothing.
        }
      }
    }
  }
}
