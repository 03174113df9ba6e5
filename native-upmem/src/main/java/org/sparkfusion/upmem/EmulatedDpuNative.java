package org.sparkfusion.upmem;

import org.sparkfusion.common.nativelib.NativeLibraries;
import java.nio.ByteBuffer;

/** The emulated UPMEM runtime (libsparkfusion_upmem_emu.so: emulator, kernel and host library in one). */
final class EmulatedDpuNative implements DpuNative {
  static final String LIBRARY = "sparkfusion_upmem_emu";

  EmulatedDpuNative() {
    NativeLibraries.load(LIBRARY);
  }

  @Override
  public native long open(int nrRanks, String profile, String kernelPath);

  @Override
  public native int nrDpus(long ctx);

  @Override
  public native int nrRanks(long ctx);

  @Override
  public native long batchCapacity(long ctx);

  @Override
  public native void loadShard(long ctx, int dpu, ByteBuffer rows, int nrRows, int rowWords, int cols);

  @Override
  public native void runBatch(long ctx, ByteBuffer bagCounts, ByteBuffer idxCounts, ByteBuffer bags, ByteBuffer idx,
      ByteBuffer dest, ByteBuffer out, long outLen, double invScale, long[] stats);

  @Override
  public native void counters(long ctx, long[] out);

  @Override
  public native void resetCounters(long ctx);

  @Override
  public native void close(long ctx);

  @Override
  public String kernelPath(int tasklets) {
    return "upd_kernel_t" + tasklets;
  }
}
