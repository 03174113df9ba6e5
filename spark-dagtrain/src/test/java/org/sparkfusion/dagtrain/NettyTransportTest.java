package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NettyTransportTest {

  private static NettyTransport[] pair(double rate) throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 5_000);
    NettyTransport b = new NettyTransport(1, "127.0.0.1", 1 << 20, 5_000);
    String[] addrs = {a.address(), b.address()};
    a.connect(addrs, new double[] {0, rate});
    b.connect(addrs, new double[] {rate, 0});
    return new NettyTransport[] {a, b};
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

  /** The message-cost probe goes through the task's own transport and back; its traffic stays out of the peers' inboxes. */
  @Test void messageCostRunsThroughTheTasksOwnTransport() throws Exception {
    NettyTransport[] t = pair(0);
    try {
      long before = t[0].frameDecodeNanos.sum();
      double s = t[0].messageSecondsPerEntry(8192, 0.05, 1);
      assertThat(s).isGreaterThan(0).isLessThan(1e-4);
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
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 3_000);
    try (Socket s = new Socket("127.0.0.1", Integer.parseInt(a.address().split(":")[1]))) {
      OutputStream out = s.getOutputStream();
      out.write(FrameCodec.encode(new Frame(Frame.HELLO, 1, 0, 0, new byte[0])));
      byte[] f = FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[] {1, 2, 3}));
      f[f.length - 2] ^= 0x10;
      out.write(f);
      out.flush();
      assertThatThrownBy(() -> a.receive(1, Frame.ACTIVATIONS)).hasMessageContaining("checksum mismatch")
          .hasMessageContaining("task 1");
    } finally {
      a.close();
    }
  }

  @Test void truncatedFrameIsAnError() throws Exception {
    NettyTransport a = new NettyTransport(0, "127.0.0.1", 1 << 20, 3_000);
    try (Socket s = new Socket("127.0.0.1", Integer.parseInt(a.address().split(":")[1]))) {
      OutputStream out = s.getOutputStream();
      out.write(FrameCodec.encode(new Frame(Frame.HELLO, 1, 0, 0, new byte[0])));
      byte[] f = FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 1, 0, 0, new byte[100]));
      out.write(Arrays.copyOf(f, 60));
      out.flush();
      s.shutdownOutput();
      assertThatThrownBy(() -> a.receive(1, Frame.ACTIVATIONS)).hasMessageContaining("truncated frame");
    } finally {
      a.close();
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
