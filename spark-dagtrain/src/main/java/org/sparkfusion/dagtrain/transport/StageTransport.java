package org.sparkfusion.dagtrain.transport;

import java.io.IOException;

/** How a stage reaches its neighbours, by stage index: in memory, or over Netty between executors. */
public interface StageTransport extends AutoCloseable {
  void send(int toStage, Frame f) throws IOException;

  Frame receive(int fromStage, byte type) throws IOException, InterruptedException;

  /** Bytes this stage has put on the link towards {@code toStage}. */
  long bytesSent(int toStage);

  /** Waits until queued frames are on the wire. */
  void flush() throws IOException, InterruptedException;

  @Override
  void close();
}
