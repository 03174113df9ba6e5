package org.sparkfusion.dlrm.checkpoint;

/** A model file or tensor that cannot be read; the message names the file and, where known, the tensor. */
public final class CheckpointFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CheckpointFormatException(String message) {
    super(message);
  }

  public CheckpointFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
