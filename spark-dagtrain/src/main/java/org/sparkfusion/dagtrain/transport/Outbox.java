package org.sparkfusion.dagtrain.transport;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends frames to one peer from its own thread, so computation goes on while a message is on the wire.
 * An optional {@link RateLimiter} emulates a slow link. A failed write is reported by the next call.
 */
final class Outbox implements AutoCloseable {
  /** Writes one encoded frame; blocks until the transport accepted it. */
  interface Sink {
    void write(byte[] frame) throws IOException;
  }

  private static final byte[] STOP = new byte[0];
  private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong pending = new AtomicLong();
  private final Thread thread;
  final String peer;

  Outbox(String peer, Sink sink, RateLimiter limiter) {
    this.peer = peer;
    this.thread = new Thread(() -> run(sink, limiter), "dagtrain-outbox-" + peer);
    thread.setDaemon(true);
    thread.start();
  }

  private void run(Sink sink, RateLimiter limiter) {
    try {
      while (true) {
        byte[] f = queue.take();
        if (f == STOP) {
          return;
        }
        if (limiter != null) {
          limiter.acquire(f.length);
        }
        sink.write(f);
        bytes.addAndGet(f.length);
        pending.decrementAndGet();
        synchronized (this) {
          notifyAll();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure.set(t);
      synchronized (this) {
        notifyAll();
      }
    }
  }

  void send(Frame f) throws IOException {
    check();
    pending.incrementAndGet();
    queue.add(FrameCodec.encode(f));
  }

  /** Waits until everything queued has been written. */
  void flush(long timeoutMillis) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (this) {
      while (pending.get() > 0 && failure.get() == null) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new IOException("timed out sending to " + peer + " (" + pending.get() + " frames pending)");
        }
        wait(Math.min(left, 100));
      }
    }
    check();
  }

  private void check() throws IOException {
    Throwable t = failure.get();
    if (t != null) {
      throw new IOException("sending to " + peer + " failed: " + t.getMessage(), t);
    }
  }

  long bytesSent() {
    return bytes.get();
  }

  @Override
  public void close() {
    queue.add(STOP);
  }
}
