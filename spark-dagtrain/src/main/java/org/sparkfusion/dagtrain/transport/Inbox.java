package org.sparkfusion.dagtrain.transport;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Frames received per peer, in arrival order; a transport error for a peer is delivered in their place. */
final class Inbox {
  private final Map<Integer, LinkedBlockingQueue<Object>> queues = new ConcurrentHashMap<>();
  private final Map<Integer, String> names = new ConcurrentHashMap<>();

  private LinkedBlockingQueue<Object> queue(int peer) {
    return queues.computeIfAbsent(peer, k -> new LinkedBlockingQueue<>());
  }

  void name(int peer, String name) {
    names.put(peer, name);
  }

  String nameOf(int peer) {
    return names.getOrDefault(peer, "peer " + peer);
  }

  void deliver(int peer, Frame f) {
    queue(peer).add(f);
  }

  void fail(int peer, String message) {
    queue(peer).add(new IOException(message));
  }

  /** The next frame from {@code peer}; it must have the given type. Fails on transport errors and on timeout. */
  Frame take(int peer, byte type, long timeoutMillis) throws IOException, InterruptedException {
    Object o = queue(peer).poll(timeoutMillis, TimeUnit.MILLISECONDS);
    if (o == null) {
      throw new IOException("no " + Frame.typeName(type) + " from " + nameOf(peer) + " within " + timeoutMillis
          + " ms: the peer is gone or stalled");
    }
    if (o instanceof IOException e) {
      queue(peer).add(e);
      throw new IOException(e.getMessage(), e);
    }
    Frame f = (Frame) o;
    if (f.type() != type) {
      throw new IOException("expected " + Frame.typeName(type) + " from " + nameOf(peer) + ", got "
          + Frame.typeName(f.type()) + " (step " + f.step() + ", micro-batch " + f.micro() + ")");
    }
    return f;
  }
}
