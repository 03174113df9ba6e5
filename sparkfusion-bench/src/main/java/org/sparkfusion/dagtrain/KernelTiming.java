package org.sparkfusion.dagtrain;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test: the timing harness of {@code dev/bench-dagtrain.sh --kernels-against COMMIT}. Forward plus backward of
 * one micro-batch of a bench model through one {@link StageRunner} holding the whole graph (ops, float32 rounding of
 * edges, gradient accumulation; no optimizer, no transport), on this thread. Prints thread-CPU and wall milliseconds
 * per pass (median and minimum over the timed passes, after warm-up passes). Uses only API that older commits have,
 * so the script can run it against another commit's classes.
 */
final class KernelTiming {
  private KernelTiming() {}

  public static void main(String[] args) throws Exception {
    String model = args.length > 0 ? args[0] : "gpt-wide";
    int passes = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    String label = args.length > 2 ? args[2] : "this build";
    DagTrainBench.BenchModel bm = DagTrainBench.model(model);
    Graph g = bm.graph();
    StageRunner runner = new StageRunner(g, 0, g.size(), 1);
    SampleSource source = new SampleSource(g, bm.samples(), bm.batch(), 1);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int w = 0; w < 15; w++) {
      pass(runner, source, w, bm.micro());
    }
    double[] cpu = new double[passes];
    double[] wall = new double[passes];
    for (int i = 0; i < passes; i++) {
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      pass(runner, source, i, bm.micro());
      wall[i] = (System.nanoTime() - t0) / 1e6;
      cpu[i] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
    }
    Arrays.sort(cpu);
    Arrays.sort(wall);
    System.out.printf(Locale.ROOT, "%s: %s fwd+bwd per micro-batch of %d: cpu median %.1f ms min %.1f ms, wall median %.1f ms"
        + " min %.1f ms, load %.1f%n", label, model, bm.batch(), cpu[passes / 2], cpu[0], wall[passes / 2], wall[0],
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static void pass(StageRunner runner, SampleSource source, int i, int micro) {
    runner.forward(source.microBatch(i % 50, 0), new RunContext(1, i, 0, true));
    runner.backward(0, Map.of(), 1.0 / micro);
  }
}
