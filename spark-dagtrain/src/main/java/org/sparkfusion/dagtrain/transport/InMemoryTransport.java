package org.sparkfusion.dagtrain.transport;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Stages in one JVM, each in its own thread, joined by in-memory links that still go through the frame
 * codec (length + checksum) and optional per-link rate limits. Used by tests and the in-process pipeline.
 */
public final class InMemoryTransport {
  private final Inbox[] inboxes;
  private final Map<Long, Outbox> outboxes = new HashMap<>();
  private final long timeoutMillis;

  /** rates[i] limits both directions between stage i and i+1 (bytes/s), or 0 for unlimited. */
  public InMemoryTransport(int stages, double[] rates, long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
    inboxes = new Inbox[stages];
    for (int i = 0; i < stages; i++) {
      inboxes[i] = new Inbox();
    }
    for (int i = 0; i + 1 < stages; i++) {
      double rate = rates == null || rates.length <= i ? 0 : rates[i];
      link(i, i + 1, rate);
      link(i + 1, i, rate);
    }
  }

  private void link(int from, int to, double rate) {
    Inbox target = inboxes[to];
    target.name(from, "stage " + from);
    outboxes.put(key(from, to), new Outbox("stage " + to, bytes -> target.deliver(from, FrameCodec.decode(bytes, Integer.MAX_VALUE - 64)),
        rate > 0 ? new RateLimiter(rate) : null));
  }

  private static long key(int from, int to) {
    return ((long) from << 32) | to;
  }

  public StageTransport forStage(int stage) {
    return new StageTransport() {
      @Override public void send(int toStage, Frame f) throws IOException {
        outboxes.get(key(stage, toStage)).send(f);
      }

      @Override public Frame receive(int fromStage, byte type) throws IOException, InterruptedException {
        return inboxes[stage].take(fromStage, type, timeoutMillis);
      }

      @Override public long bytesSent(int toStage) {
        Outbox o = outboxes.get(key(stage, toStage));
        return o == null ? 0 : o.bytesSent();
      }

      @Override public void flush() throws IOException, InterruptedException {
        for (Map.Entry<Long, Outbox> e : outboxes.entrySet()) {
          if ((e.getKey() >>> 32) == stage) {
            e.getValue().flush(timeoutMillis);
          }
        }
      }

      @Override public void close() { }
    };
  }

  public void close() {
    outboxes.values().forEach(Outbox::close);
  }
}
