package org.sparkfusion.dagtrain;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * Where one stage thread's wall-clock time went in a step: compute (forward, backward,
 * optimizer), encoding and framing outgoing messages, decoding incoming ones, waiting for a neighbour's message;
 * the rest ({@link #other()}) is reading the data and bookkeeping. {@code threadCpu} is the thread's CPU time
 * (NaN where the JVM cannot tell); wall time well above it means the thread was runnable but not running
 * (a CPU quota, or cores taken by other threads and processes).
 */
final class StepTiming {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  double wall;
  double compute;
  double encode;
  double decode;
  double waiting;
  double threadCpu;
  /** CPU time of the whole executor JVM (all threads: event loops, senders, garbage collector, JIT compiler). */
  double processCpu;
  /** Garbage-collection time reported by the JVM's collectors (pauses and, where reported, concurrent work). */
  double gc;
  /** JIT compilation time. */
  double jit;
  long entriesIn;
  long entriesOut;

  double other() {
    return Math.max(0, wall - compute - encode - decode - waiting);
  }

  /** Seconds spent on messages (encode + decode) per float entry handled, NaN without messages. */
  double messageSecondsPerEntry() {
    long n = entriesIn + entriesOut;
    return n == 0 ? Double.NaN : (encode + decode) / n;
  }

  /** {process CPU, GC, JIT} seconds so far (NaN where the JVM cannot tell); differences give a step's share. */
  static double[] processCounters() {
    double cpu = Double.NaN;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long c = os.getProcessCpuTime();
      cpu = c < 0 ? Double.NaN : c / 1e9;
    }
    double gc = 0;
    for (java.lang.management.GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      gc += Math.max(0, b.getCollectionTime()) / 1e3;
    }
    java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    double j = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() / 1e3 : Double.NaN;
    return new double[] {cpu, gc, j};
  }

  /** Sets the process-wide shares from counters before and after the step. */
  void processShares(double[] before, double[] after) {
    processCpu = after[0] - before[0];
    gc = after[1] - before[1];
    jit = after[2] - before[2];
  }

  /** CPU time of the calling thread in nanoseconds, or -1 where unsupported. */
  static long threadCpuNanos() {
    try {
      return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    } catch (UnsupportedOperationException e) {
      return -1;
    }
  }

  /** "wall 412 ms: compute 120, encode 30, decode 25, wait 230, other 7; thread cpu 160 ms, process cpu ..." for logs. */
  String describe() {
    return String.format(Locale.ROOT, "wall %.0f ms: compute %.0f, encode %.0f, decode %.0f, wait %.0f, other %.0f;"
        + " thread cpu %.0f ms, process cpu %.0f ms (gc %.0f, jit %.0f)", wall * 1e3, compute * 1e3, encode * 1e3,
        decode * 1e3, waiting * 1e3, other() * 1e3, threadCpu * 1e3, processCpu * 1e3, gc * 1e3, jit * 1e3);
  }
}
