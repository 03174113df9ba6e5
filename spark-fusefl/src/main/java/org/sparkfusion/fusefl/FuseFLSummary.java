package org.sparkfusion.fusefl;

import java.util.List;

/**
 * What one training run measured. Bytes count float32 parameters (4 bytes each) and CCVR statistics that the
 * FL protocol moves: {@code bytesUp} from clients to the server, {@code bytesDown} from the server to clients.
 * Peak memory is the largest (JVM heap in use + ND4J off-heap) seen in any client task.
 */
public final class FuseFLSummary implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final String method;
  private final double seconds;
  private final long bytesUp;
  private final long bytesDown;
  private final double peakMemoryMb;
  private final List<String> stageLog;

  FuseFLSummary(String method, double seconds, long bytesUp, long bytesDown, double peakMemoryMb, List<String> stageLog) {
    this.method = method;
    this.seconds = seconds;
    this.bytesUp = bytesUp;
    this.bytesDown = bytesDown;
    this.peakMemoryMb = peakMemoryMb;
    this.stageLog = List.copyOf(stageLog);
  }

  public String method() {
    return method;
  }

  public double seconds() {
    return seconds;
  }

  public long bytesUp() {
    return bytesUp;
  }

  public long bytesDown() {
    return bytesDown;
  }

  public double peakMemoryMb() {
    return peakMemoryMb;
  }

  /** One line per stage: clients' loss and accuracy, bytes, time. */
  public List<String> stageLog() {
    return stageLog;
  }
}
