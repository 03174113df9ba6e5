package org.sparkfusion.dagtrain.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NettyTransportTest {

  private static final byte[] SECRET = ConnectionAuth.newSecret();

  private static NettyTransport[] pair(double rate) throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 5_000, SECRET);
    NettyTransport b = new NettyTransport(1, "127.0.0.1", 1 << 20, 5_000, SECRET);
    String[] addrs = {a.address(), b.address()};
    a.connect(addrs, new double[] {0, rate});
    b.connect(addrs, new double[] {rate, 0});
    return new NettyTransport[] {a, b};
  }

  /**
   * A geo-distributed link: 40 ms each way (80 ms RTT). The measured latency is the emulated one; frames keep their
   * order; the delay does not cost throughput (20 frames sent back to back arrive about one delay after sending, not
   * twenty), and after the goodbye the closing connection is not an error.
   */
  @Test void emulatedDelayAddsLatencyNotThroughputLoss() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 5_000, SECRET);
    NettyTransport b = new NettyTransport(1, "127.0.0.1", 1 << 20, 5_000, SECRET);
    a.delays(new double[] {0, 0.040});
    b.delays(new double[] {0.040, 0});
    String[] addrs = {a.address(), b.address()};
    a.connect(addrs, null);
    b.connect(addrs, null);
    try {
      double[] lb = a.measure(1, 64 * 1024);
      assertThat(lb[0]).as("one-way latency, s").isBetween(0.039, 0.070);
      long t0 = System.nanoTime();
      for (int m = 0; m < 20; m++) {
        a.send(1, new Frame(Frame.ACTIVATIONS, 0, 1, m, new byte[] {(byte) m}));
      }
      for (int m = 0; m < 20; m++) {
        assertThat(b.receive(0, Frame.ACTIVATIONS).micro()).isEqualTo(m);
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      assertThat(secs).isBetween(0.039, 0.4);
      a.goodbye();
      b.goodbye();
    } finally {
      a.close();
      b.close();
    }
  }

  @Test void framesArriveInOrderOverRealConnections() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      for (int m = 0; m < 5; m++) {
        t[0].send(1, new Frame(Frame.ACTIVATIONS, 0, 7, m, new byte[] {(byte) m, 42}));
      }
      for (int m = 0; m < 5; m++) {
        Frame f = t[1].receive(0, Frame.ACTIVATIONS);
        assertThat(f.micro()).isEqualTo(m);
        assertThat(f.payload()).containsExactly((byte) m, (byte) 42);
      }
    } finally {
      t[0].close();
      t[1].close();
    }
  }

  @Test void framesAreFiledUnderTheSendingTaskWhateverStageNumberTheyCarry() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      t[1].send(0, new Frame(Frame.ACTIVATIONS, 2, 0, 0, new byte[] {9}));
      assertThat(t[0].receive(1, Frame.ACTIVATIONS).payload()).containsExactly((byte) 9);
    } finally {
      t[0].close();
      t[1].close();
    }
  }

  /** The message-cost probe's link goes through the task's own transport and back; its traffic stays out of the peers' inboxes. */
  @Test void selfLinkRunsThroughTheTasksOwnTransport() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      long before = t[0].frameDecodeNanos.sum();
      try (NettyTransport.SelfLink self = t[0].openSelfLink()) {
        for (int i = 0; i < 3; i++) {
          Frame back = self.carry(FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 0, i, 0, new byte[] {1, 2, (byte) i})));
          assertThat(back.step()).isEqualTo(i);
          assertThat(back.payload()).containsExactly((byte) 1, (byte) 2, (byte) i);
        }
      }
      assertThat(t[0].frameDecodeNanos.sum()).isGreaterThan(before);
      t[1].send(0, new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {5}));
      assertThat(t[0].receive(1, Frame.ACTIVATIONS).payload()).containsExactly((byte) 5);
    } finally {
      t[0].close();
      t[1].close();
    }
  }

  /** Neither side starts before the other is ready, and the start frames stay out of the data that follows. */
  @Test void startTogetherWaitsForTheLatePeer() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      long[] lateReady = new long[1];
      Thread late = new Thread(() -> {
        try {
          Thread.sleep(300);
          lateReady[0] = System.nanoTime();
          t[1].startTogether(new int[] {0});
          t[1].send(0, new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {3}));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      late.start();
      t[0].startTogether(new int[] {1});
      long started = System.nanoTime();
      late.join();
      assertThat(lateReady[0]).isPositive().isLessThanOrEqualTo(started);
      assertThat(t[0].receive(1, Frame.ACTIVATIONS).payload()).containsExactly((byte) 3);
    } finally {
      t[0].close();
      t[1].close();
    }
  }

  @Test void rateLimitedLinkMeasuresNearItsRate() throws Exception {
    NettyTransport[] t = pair(2e6);
    try {
      double[] latBw = t[0].measure(1, 1 << 20);
      assertThat(latBw[1]).isBetween(1.0e6, 2.6e6);
    } finally {
      t[0].close();
      t[1].close();
    }
  }

  @Test void corruptFrameIsAnErrorNotData() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 3_000, SECRET);
    try (RawPeer p = new RawPeer(a.address())) {
      p.authenticate(SECRET, 1, 0);
      byte[] f = FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {1, 2, 3}));
      f[f.length - 2] ^= 0x10;
      p.out.write(f);
      p.out.flush();
      assertThatThrownBy(() -> a.receive(1, Frame.ACTIVATIONS)).hasMessageContaining("checksum mismatch")
          .hasMessageContaining("task 1");
    } finally {
      a.close();
    }
  }

  @Test void truncatedFrameIsAnError() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 3_000, SECRET);
    try (RawPeer p = new RawPeer(a.address())) {
      p.authenticate(SECRET, 1, 0);
      byte[] f = FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[100]));
      p.out.write(Arrays.copyOf(f, 60));
      p.out.flush();
      p.socket.shutdownOutput();
      assertThatThrownBy(() -> a.receive(1, Frame.ACTIVATIONS)).hasMessageContaining("truncated frame");
    } finally {
      a.close();
    }
  }

  /**
   * Frames from a connection that did not authenticate never reach the inbox, whatever sender they name: the real
   * peer's frames that follow are the ones received, and the intruder is disconnected.
   */
  @Test void framesWithoutTheHandshakeAreRejectedAndTheRealPeerCarriesOn() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      try (RawPeer intruder = new RawPeer(t[0].address())) {
        intruder.challenge();
        intruder.send(new Frame(Frame.HELLO, 1, 0, 0, new byte[0]));
        intruder.send(new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {66}));
        assertThat(intruder.closedByPeer()).isTrue();
      }
      t[1].send(0, new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {7}));
      assertThat(t[0].receive(1, Frame.ACTIVATIONS).payload()).containsExactly((byte) 7);
      assertThat(t[0].rejectedConnections.sum()).isEqualTo(1);
    } finally {
      t[0].close();
      t[1].close();
    }
  }

  @Test void wrongSecretWrongMacAndReplayedHandshakesAreRejected() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 5_000, SECRET);
    try {
      try (RawPeer p = new RawPeer(a.address())) {
        p.respond(ConnectionAuth.newSecret(), 1, 0, p.challenge());
        assertThat(p.closedByPeer()).isTrue();
      }
      // the right secret, but a proof made for another server task
      try (RawPeer p = new RawPeer(a.address())) {
        p.respond(SECRET, 1, 3, p.challenge());
        assertThat(p.closedByPeer()).isTrue();
      }
      // a valid response recorded on one connection does not open another (its challenge differs)
      byte[] recorded;
      try (RawPeer p = new RawPeer(a.address())) {
        recorded = p.respond(SECRET, 1, 0, p.challenge());
        assertThat(p.read().type()).isEqualTo(Frame.AUTH_OK);
      }
      try (RawPeer p = new RawPeer(a.address())) {
        p.challenge();
        p.send(new Frame(Frame.AUTH_RESPONSE, 1, 0, 0, recorded));
        assertThat(p.closedByPeer()).isTrue();
      }
      assertThat(a.rejectedConnections.sum()).isEqualTo(3);
    } finally {
      a.close();
    }
  }

  /** A forged length is refused from the header, before any buffer of that size exists or is waited for. */
  @Test void oversizedLengthBeforeTheHandshakeIsRefusedAtOnce() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 30, 5_000, SECRET);
    try (RawPeer p = new RawPeer(a.address())) {
      p.challenge();
      byte[] header = FrameCodec.encode(new Frame(Frame.AUTH_RESPONSE, 1, 0, 0, new byte[0]));
      java.nio.ByteBuffer.wrap(header).putInt(17, 1 << 30);
      p.out.write(header);
      p.out.flush();
      assertThat(p.closedByPeer()).isTrue();
      assertThat(a.rejectedConnections.sum()).isEqualTo(1);
    } finally {
      a.close();
    }
  }

  @Test void silentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 500, SECRET);
    try (RawPeer p = new RawPeer(a.address())) {
      p.challenge();
      assertThat(p.closedByPeer()).isTrue();
      assertThat(a.rejectedConnections.sum()).isEqualTo(1);
    } finally {
      a.close();
    }
  }

  @Test void tasksWithDifferentSecretsCannotConnect() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 5_000, SECRET);
    NettyTransport b = new NettyTransport(1, "127.0.0.1", 1 << 20, 5_000, ConnectionAuth.newSecret());
    try {
      String[] addrs = {a.address(), b.address()};
      assertThatThrownBy(() -> b.connect(addrs, null)).hasMessageContaining("cannot authenticate the connection to task 0");
      assertThat(a.rejectedConnections.sum()).isEqualTo(1);
    } finally {
      a.close();
      b.close();
    }
  }

  @Test void peerVanishingMidStepIsAClearError() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      // one frame each way first, so both connections (and task 1's hello) are up before task 1 disappears;
      // closing earlier races the handshake and then only the peer timeout can report it
      t[1].send(0, new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {1}));
      t[0].send(1, new Frame(Frame.ACTIVATIONS, 0, 0, 0, new byte[] {2}));
      assertThat(t[0].receive(1, Frame.ACTIVATIONS).payload()).containsExactly(1);
      assertThat(t[1].receive(0, Frame.ACTIVATIONS).payload()).containsExactly(2);
      t[1].close();
      assertThatThrownBy(() -> t[0].receive(1, Frame.GRADIENTS)).hasMessageContaining("task 1")
          .hasMessageContaining("vanished");
    } finally {
      t[0].close();
    }
  }
}
