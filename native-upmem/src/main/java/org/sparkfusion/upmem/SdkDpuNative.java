package org.sparkfusion.upmem;

import org.sparkfusion.common.nativelib.NativeLibraries;
import java.nio.ByteBuffer;

/** The real UPMEM SDK (libsparkfusion_upmem_sdk.so linked with libdpu, built by the upmem-sdk profile). */
final class SdkDpuNative implements DpuNative {
  static final String LIBRARY = "sparkfusion_upmem_sdk";

  SdkDpuNative() {
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
    try {
      return NativeLibraries.extract("/native/upmem/upd_kernel_t" + tasklets + ".dpu", "upd_kernel", ".dpu").toString();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("DPU kernel binary for " + tasklets + " tasklets is not in the jar: " + e.getMessage(), e);
    }
  }
}
