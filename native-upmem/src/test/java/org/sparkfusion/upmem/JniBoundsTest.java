package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The JNI boundary holds every length Java passes to what the direct buffers really hold (issue 18). */
class JniBoundsTest {
  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  @Test
  void buffersShorterThanTheirDeclaredLengthsAreRefusedBeforeAnyRead() {
    EmulatedDpuNative nat = new EmulatedDpuNative();
    long ctx = nat.open(1, "backend=emu,nrDpusPerRank=2", nat.kernelPath(16));
    try {
      // A shard of 4 rows x 2 words needs 32 bytes; 16 are given.
      assertThatThrownBy(() -> nat.loadShard(ctx, 0, direct(16), 4, 2, 2))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("rows holds 16 bytes");
      assertThatThrownBy(() -> nat.loadShard(ctx, 0, direct(16), -1, 2, 2))
          .isInstanceOf(IllegalStateException.class);
      // Two DPUs: counts claim 1000 bags on DPU 0 but the bag buffer holds 8 bytes.
      ByteBuffer bagCounts = direct(8);
      bagCounts.putInt(0, 1000);
      ByteBuffer idxCounts = direct(8);
      assertThatThrownBy(() -> nat.runBatch(ctx, bagCounts, idxCounts, direct(8), direct(8), direct(8000), direct(64),
          16, 1.0, new long[6])).isInstanceOf(IllegalStateException.class).hasMessageContaining("bags holds 8 bytes");
      // Output length larger than the output buffer.
      assertThatThrownBy(() -> nat.runBatch(ctx, direct(8), direct(8), direct(8), direct(8), direct(8), direct(64),
          1 << 20, 1.0, new long[6])).isInstanceOf(IllegalStateException.class).hasMessageContaining("out holds 64");
      // Counts buffers shorter than the DPU count.
      assertThatThrownBy(() -> nat.runBatch(ctx, direct(4), direct(8), direct(8), direct(8), direct(8), direct(64),
          16, 1.0, new long[6])).isInstanceOf(IllegalStateException.class).hasMessageContaining("bagCounts");
    } finally {
      nat.close(ctx);
    }
  }
}
