package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SplittableRandom;
import org.sparkfusion.dagtrain.transport.Frame;
import org.sparkfusion.dagtrain.transport.FrameCodec;

/**
 * Measures what one float entry of a message costs an executor on one side of a link: the sender encodes the
 * tensors and frames them (copy, CRC-32), the receiver checks the frame and decodes it. Timed on the executor at
 * start, in wall-clock time over a sustained run (like the sustained model pass), so a CPU quota and cores shared
 * with other processes show up; it also warms the JIT for the message path before training. The planner charges it
 * to the stages at both ends of each cut ({@link CostModel#messageSeconds}).
 */
final class MessageCost {
  private MessageCost() {}

  /** Float entries per micro-batch of the largest live set at a cut of the graph (at least 1024). */
  static int probeEntries(Graph g, int microBatchSize) {
    long most = 0;
    for (int b = Partition.firstCut(g); b < g.size(); b++) {
      most = Math.max(most, Partition.liveElements(g, b)[0] * microBatchSize);
    }
    return (int) Math.max(1024, Math.min(most, 64L << 20));
  }

  /**
   * {seconds per message, seconds per entry} (each side) from the per-entry costs measured at a small and a large message:
   * the straight line through (entries, seconds per message) at both, each part at least 0.
   */
  static double[] fit(int small, double perEntrySmall, int large, double perEntryLarge) {
    double tSmall = perEntrySmall * small;
    double tLarge = perEntryLarge * large;
    if (large <= small) {
      return new double[] {0, perEntryLarge};
    }
    double b = (tLarge - tSmall) / (large - small);
    double a = tSmall - b * small;
    if (b < 0) {
      return new double[] {tLarge, 0};
    }
    if (a < 0) {
      return new double[] {0, tLarge / large};
    }
    return new double[] {a, b};
  }

  /** Carries one encoded frame to the receiving side and returns the frame as received (checked). */
  interface Exchange {
    Frame carry(byte[] frame) throws IOException, InterruptedException;
  }

  /** In memory: the frame is checked and decoded as a receiver would, without a socket. */
  static final Exchange IN_MEMORY = frame -> FrameCodec.decode(frame, Integer.MAX_VALUE);

  /** As {@link #secondsPerEntry(int, double, long, Exchange)} in memory. */
  static double secondsPerEntry(int entries, double minSeconds, long seed) {
    try {
      return secondsPerEntry(entries, minSeconds, seed, IN_MEMORY);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Wall seconds per float entry and side: encode + frame, carry ({@code exchange}: e.g. through this executor's own
   * transport and back to itself, so sockets, event-loop threads and the garbage of a message count too), check +
   * decode a dense message of {@code entries} floats, repeated until {@code minSeconds} have passed (at least twice
   * after one untimed warm-up), divided by twice the entries handled (both sides run here).
   */
  static double secondsPerEntry(int entries, double minSeconds, long seed, Exchange exchange)
      throws InterruptedException {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[entries];
    for (int i = 0; i < entries; i++) {
      x[i] = r.nextDouble(-1, 1);
    }
    Map<String, Tensor> msg = Map.of("probe", new Tensor(new int[] {entries}, x));
    Map<String, DType> types = Map.of("probe", DType.FLOAT);
    TensorCodec codec = new TensorCodec(false);
    Compressor dense = new Compressor.Dense();
    roundTrip(codec, msg, types, dense, exchange);
    long t0 = System.nanoTime();
    int reps = 0;
    double elapsed;
    do {
      roundTrip(codec, msg, types, dense, exchange);
      reps++;
      elapsed = (System.nanoTime() - t0) / 1e9;
    } while (elapsed < minSeconds || reps < 2);
    return elapsed / reps / (2.0 * entries);
  }

  private static void roundTrip(TensorCodec codec, Map<String, Tensor> msg, Map<String, DType> types, Compressor c,
      Exchange exchange) throws InterruptedException {
    try {
      byte[] frame = FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 0, 0, 0, codec.encode(msg, types, c, 1)));
      Map<String, Tensor> back = TensorCodec.decode(exchange.carry(frame).payload());
      if (back.get("probe").data.length != msg.get("probe").data.length) {
        throw new IllegalStateException("message probe did not survive its round trip");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
