package org.sparkfusion.common.cli;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Turns a failure into the one line a user needs. A bad row found inside a Spark task reaches the driver wrapped
 * in a SparkException ("Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times, most recent
 * failure: ... java.lang.IllegalArgumentException: row 12 column dense[3] is NaN" + the executor's stack trace);
 * the line that matters is the innermost message raised by our own code or by a reader about the user's input.
 */
public final class JobErrors {
  private JobErrors() {}

  /**
   * A failure whose message was written for the user by the job itself (it names the flag, file or row and says
   * what to do): {@link #oneLine} returns it as it is, whatever its causes say.
   */
  public static final class Explained extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Explained(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The most specific user-facing message of {@code t}'s cause chain, on one line. */
  public static String oneLine(Throwable t) {
    Map<Throwable, Boolean> visited = new IdentityHashMap<>();
    for (Throwable c = t; c != null && visited.put(c, Boolean.TRUE) == null; c = c.getCause()) {
      if (c instanceof Explained) {
        return Cli.firstLine(c.getMessage());
      }
    }
    String malformed = malformedRecord(t);
    if (malformed != null) {
      return malformed;
    }
    Throwable chosen = null;
    Throwable root = t;
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null; c = c.getCause()) {
      root = c;
      if (userFacing(c)) {
        chosen = c;  // keep the innermost
      }
    }
    Throwable pick = chosen != null ? chosen : root;
    String message = pick.getMessage();
    if (message == null || message.isBlank()) {
      return pick.getClass().getSimpleName();
    }
    String line = Cli.firstLine(stripSparkPrefix(message));
    if (pick instanceof OutOfMemoryError && !line.toLowerCase(java.util.Locale.ROOT).contains("memory")) {
      line = "out of memory: " + line;
    }
    return line;
  }

  /**
   * Spark's FAILFAST readers (JSON, CSV) report a bad line as MALFORMED_RECORD_IN_PARSING, suggesting a reader
   * option the user of a job cannot set, inside FAILED_READ_FILE, which names the file. Null if {@code t} is not
   * such a failure, else "malformed record in FILE: the parser's reason".
   */
  public static String malformedRecord(Throwable t) {
    String path = null;
    boolean malformed = false;
    Throwable innermost = t;
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null; c = c.getCause()) {
      innermost = c;
      if (c instanceof org.apache.spark.SparkThrowable st && st.getCondition() != null) {
        if (st.getCondition().startsWith("MALFORMED_RECORD_IN_PARSING")) {
          malformed = true;
        } else if (st.getCondition().startsWith("FAILED_READ_FILE") && path == null) {
          path = st.getMessageParameters().get("path");
        }
      }
    }
    if (!malformed) {
      return null;
    }
    String reason = innermost.getMessage() == null ? innermost.getClass().getSimpleName()
        : Cli.firstLine(innermost.getMessage()).replaceAll("\\s*SQLSTATE: \\w+$", "");
    return "malformed record" + (path == null ? "" : " in " + path) + ": " + reason;
  }

  /** Exceptions that describe the user's input or setting rather than an internal wrapper. */
  private static boolean userFacing(Throwable c) {
    if (c instanceof IllegalArgumentException || c instanceof IllegalStateException
        || c instanceof java.io.IOException || c instanceof ArithmeticException || c instanceof OutOfMemoryError) {
      return true;
    }
    String cls = c.getClass().getName();
    return cls.startsWith("org.sparkfusion.") || cls.equals("org.apache.spark.sql.AnalysisException")
        || cls.startsWith("org.apache.spark.sql.catalyst.parser.ParseException");
  }

  /**
   * Spark prefixes a task failure with its own account ("Job aborted due to stage failure: ... : java.lang.X: msg").
   * When the original exception did not travel as a cause, keep only the original message.
   */
  private static String stripSparkPrefix(String message) {
    String first = Cli.firstLine(message);
    if (!first.startsWith("Job aborted due to stage failure")) {
      return message;
    }
    int at = first.lastIndexOf("Exception: ");
    return at < 0 ? first : first.substring(at + "Exception: ".length());
  }
}
