package org.sparkfusion.upmem;

import java.nio.ByteBuffer;

/** The host library through JNI: one implementation per native runtime (emulator or UPMEM SDK). */
interface DpuNative {
  long open(int nrRanks, String profile, String kernelPath);

  int nrDpus(long ctx);

  int nrRanks(long ctx);

  long batchCapacity(long ctx);

  void loadShard(long ctx, int dpu, ByteBuffer rows, int nrRows, int rowWords, int cols);

  void runBatch(long ctx, ByteBuffer bagCounts, ByteBuffer idxCounts, ByteBuffer bags, ByteBuffer idx,
      ByteBuffer dest, ByteBuffer out, long outLen, double invScale, long[] stats);

  void counters(long ctx, long[] out);

  void resetCounters(long ctx);

  void close(long ctx);

  /** Kernel binary to load: a program name for the emulator, a file path for the SDK. */
  String kernelPath(int tasklets);
}
