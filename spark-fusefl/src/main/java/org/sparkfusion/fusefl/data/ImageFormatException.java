package org.sparkfusion.fusefl.data;

/**
 * An image file ({@code idx}, {@code cifar10}) that cannot be read as it claims to be: the one-line message names
 * the file and, where it makes sense, the byte offset or record. The low-level error (a gzip {@code ZipException},
 * an {@code EOFException}) is attached as a suppressed exception, not as the cause: a job's one-line error
 * reporter prints the innermost I/O exception of the cause chain, and "Not in GZIP format" alone names no file.
 * {@code --verbose} stack traces still show it.
 */
public final class ImageFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ImageFormatException(String message) {
    super(message);
  }

  /** {@code detail} is kept as a suppressed exception (see the class comment). */
  public ImageFormatException(String message, Throwable detail) {
    super(message);
    if (detail != null) {
      addSuppressed(detail);
    }
  }
}
