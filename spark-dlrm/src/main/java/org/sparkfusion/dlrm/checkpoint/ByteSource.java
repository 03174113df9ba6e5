package org.sparkfusion.dlrm.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FSDataInputStream;

/**
 * Random access to a model file without holding it in memory, so that checkpoints larger than one Java array
 * (zip64, over 2 GB) are read entry by entry. Reads outside the file are refused by the callers' checks before
 * they get here; an I/O failure is unchecked and names the file.
 */
interface ByteSource extends Closeable {
  long length();

  /** Reads exactly {@code len} bytes at {@code pos} into {@code b[off..]}. */
  void read(long pos, byte[] b, int off, int len);

  @Override
  default void close() {}

  static ByteSource of(byte[] bytes) {
    return new ByteSource() {
      @Override
      public long length() {
        return bytes.length;
      }

      @Override
      public void read(long pos, byte[] b, int off, int len) {
        if (pos < 0 || pos + len > bytes.length) {
          throw new IndexOutOfBoundsException("read of " + len + " bytes at " + pos + " outside " + bytes.length);
        }
        System.arraycopy(bytes, (int) pos, b, off, len);
      }
    };
  }

  /** Positioned reads from an open Hadoop stream of {@code length} bytes; closing closes the stream. */
  static ByteSource of(String source, FSDataInputStream in, long length) {
    return new ByteSource() {
      @Override
      public long length() {
        return length;
      }

      @Override
      public void read(long pos, byte[] b, int off, int len) {
        if (pos < 0 || pos + len > length) {
          throw new IndexOutOfBoundsException("read of " + len + " bytes at " + pos + " outside " + length);
        }
        try {
          in.readFully(pos, b, off, len);
        } catch (IOException e) {
          throw new UncheckedIOException("Could not read DLRM model " + source + ": " + e.getMessage(), e);
        }
      }

      @Override
      public void close() {
        try {
          in.close();
        } catch (IOException e) {
          throw new UncheckedIOException("Could not close DLRM model " + source + ": " + e.getMessage(), e);
        }
      }
    };
  }
}
