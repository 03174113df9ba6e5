package org.sparkfusion.dagtrain;

/** A graph is invalid: a cycle, a dangling input, a shape mismatch or an unknown op; the message names the nodes. */
public final class GraphValidationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public GraphValidationException(String message) {
    super(message);
  }

  public GraphValidationException(String message, Throwable cause) {
    super(message, cause);
  }
}
