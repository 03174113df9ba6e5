package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sparkfusion.dagtrain.transport.ConnectionAuth;
import org.sparkfusion.dagtrain.transport.Frame;
import org.sparkfusion.dagtrain.transport.NettyTransport;
import org.sparkfusion.dagtrain.transport.RawPeer;

/**
 * Two stages training over real sockets ({@link NettyTransport}, the stage adapter the Spark task uses), attacked
 * mid-training by processes that do not hold the run's secret: they must be turned away while the run goes on and
 * ends with exactly the losses of an undisturbed run.
 */
class AuthenticatedPipelineTest {
  private static final int STEPS = 8;
  private static final int ATTACK_STEP = 3;

  private static TrainOptions options() {
    return new TrainOptions(STEPS, 3, 8, "adam", 0.01, 11, 10_000, 0, Schedule.GPIPE);
  }

  /** An intruder in the middle of a step: the frames a forged stage 0 would send, and a few wrong handshakes. */
  private static void attack(String address, byte[] secret) throws Exception {
    // well-formed frames (right magic, length and CRC) with a payload that fits the limit before authentication
    byte[] activations = new byte[48];
    new java.util.Random(1).nextBytes(activations);
    // 1. no handshake at all: a hello claiming task 0, then a well-formed data frame for the next step
    try (RawPeer p = new RawPeer(address)) {
      p.challenge();
      p.send(new Frame(Frame.HELLO, 0, 0, 0, new byte[0]));
      p.send(new Frame(Frame.ACTIVATIONS, 0, ATTACK_STEP + 1, 0, activations));
      assertThat(p.closedByPeer()).isTrue();
    }
    // 2. a hello and a goodbye-less close: before authentication this made the stage fail with "the peer vanished"
    try (RawPeer p = new RawPeer(address)) {
      p.challenge();
      p.send(new Frame(Frame.HELLO, 0, 0, 0, new byte[0]));
    }
    // 3. a handshake with a wrong MAC (another secret), then data anyway
    try (RawPeer p = new RawPeer(address)) {
      p.respond(ConnectionAuth.newSecret(), 0, 1, p.challenge());
      p.trySend(new Frame(Frame.GRADIENTS, 0, ATTACK_STEP, 0, activations));
      assertThat(p.closedByPeer()).isTrue();
    }
    // 4. the right secret's proof for the wrong task pair (a proof is bound to client and server)
    try (RawPeer p = new RawPeer(address)) {
      p.respond(secret, 0, 7, p.challenge());
      assertThat(p.closedByPeer()).isTrue();
    }
  }

  private record Run(List<Double> losses, long rejected, double handshakeMillis) { }

  private static Run train(Graph g, int[] cuts, boolean attacked) throws Exception {
    byte[] secret = ConnectionAuth.newSecret();
    int k = cuts.length - 1;
    NettyTransport[] net = new NettyTransport[k];
    ExecutorService pool = Executors.newFixedThreadPool(k + 1);
    try {
      String[] addresses = new String[k];
      for (int s = 0; s < k; s++) {
        net[s] = new NettyTransport(s, "127.0.0.1", 1 << 20, options().peerTimeoutMillis(), secret);
        addresses[s] = net[s].address();
      }
      for (NettyTransport t : net) {
        t.connect(addresses, null);
      }
      int[] execOf = new int[k];
      for (int s = 0; s < k; s++) {
        execOf[s] = s;
      }
      TrainOptions o = options();
      Synthetic data = new Synthetic(10, 4, o.microBatchSize(), 5);
      StageWorker[] workers = new StageWorker[k];
      for (int s = 0; s < k; s++) {
        workers[s] = new StageWorker(new StageRunner(g, cuts[s], cuts[s + 1], o.seed()),
            Optimizer.parse(o.optimizer(), o.learningRate()), s, k, TaskSession.stageTransport(net[s], execOf),
            s == 0 ? data : null, o.microBatches(), o.seed(), s + 1 < k ? LinkCompression.none() : null,
            s > 0 ? LinkCompression.none() : null, o.schedule());
      }
      List<Double> losses = new ArrayList<>();
      for (int step = 0; step < STEPS; step++) {
        final int st = step;
        List<Future<Double>> fs = new ArrayList<>();
        for (StageWorker w : workers) {
          fs.add(pool.submit(() -> w.runStep(st)));
        }
        Future<?> intruder = null;
        if (attacked && step == ATTACK_STEP) {
          // against every stage's port while both are inside the step
          intruder = pool.submit(() -> {
            for (String a : addresses) {
              attack(a, secret);
            }
            return null;
          });
        }
        double loss = Double.NaN;
        for (Future<Double> f : fs) {
          double v = f.get();
          if (!Double.isNaN(v)) {
            loss = v;
          }
        }
        if (intruder != null) {
          intruder.get();
        }
        losses.add(loss);
      }
      for (NettyTransport t : net) {
        t.flush();
        t.goodbye();
      }
      long rejected = 0;
      long hsNanos = 0;
      long hs = 0;
      for (NettyTransport t : net) {
        rejected += t.rejectedConnections.sum();
        hsNanos += t.handshakeNanos.sum();
        hs += t.handshakes.sum();
      }
      return new Run(losses, rejected, hsNanos / 1e6 / hs);
    } finally {
      pool.shutdownNow();
      for (NettyTransport t : net) {
        if (t != null) {
          t.close();
        }
      }
    }
  }

  @Test void intrudersAreTurnedAwayAndTrainingEndsWithTheUndisturbedLosses() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    int[] cuts = {0, 4, g.size()};
    Run quiet = train(g, cuts, false);
    Run attacked = train(g, cuts, true);
    TrainResult inMemory = InProcessPipeline.train(g, cuts, options(), new Synthetic(10, 4, 8, 5),
        List.of(LinkCompression.none()), null);
    // four intruders per stage port, each refused
    assertThat(attacked.rejected()).isEqualTo(8);
    assertThat(quiet.rejected()).isZero();
    assertThat(attacked.losses()).hasSize(STEPS).doesNotContainNull();
    for (int s = 0; s < STEPS; s++) {
      assertThat(attacked.losses().get(s)).as("loss at step %d", s).isEqualTo(quiet.losses().get(s))
          .isEqualTo(inMemory.losses().get(s));
    }
    assertThat(quiet.losses().get(STEPS - 1)).isLessThan(quiet.losses().get(0));
    System.out.printf("handshake per connection (loopback, outgoing side, connect to authenticated): %.2f ms quiet,"
        + " %.2f ms attacked run%n", quiet.handshakeMillis(), attacked.handshakeMillis());
  }
}
