package org.sparkfusion.upmem;

/**
 * Per-DPU work of one launch of the kernel (src/main/c/kernel/upd_kernel.c), computed from a routed batch exactly
 * as the emulator counts it: MRAM reads/writes and bytes, and the kernel's annotated instruction estimate.
 * Lets the cost model cover DPU counts too large to emulate; a test checks it equals the emulator's counters.
 */
final class KernelCounts {
  static final int COL_BLOCK = 64;
  static final int IDX_BLOCK = 64;

  final long[] mramReads;
  final long[] mramReadBytes;
  final long[] mramWrites;
  final long[] mramWriteBytes;
  final long[] instructions;

  KernelCounts(int nrDpus) {
    mramReads = new long[nrDpus];
    mramReadBytes = new long[nrDpus];
    mramWrites = new long[nrDpus];
    mramWriteBytes = new long[nrDpus];
    instructions = new long[nrDpus];
  }

  static KernelCounts of(DpuBatch batch, int[] rowWords) {
    KernelCounts k = new KernelCounts(batch.nrDpus);
    for (int d = 0; d < batch.nrDpus; d++) {
      int words = rowWords[d];
      int[] bags = batch.bags[d].a;
      for (int b = 0; b < batch.bagCount(d); b++) {
        long count = bags[2 * b + 1];
        k.mramReads[d]++;
        k.mramReadBytes[d] += 8;
        for (int c0 = 0; c0 < words; c0 += COL_BLOCK) {
          int width = Math.min(COL_BLOCK, words - c0);
          k.instructions[d] += 4 + 2L * width;
          for (long i = 0; i < count; i += IDX_BLOCK) {
            long n = Math.min(IDX_BLOCK, count - i);
            k.mramReads[d]++;
            k.mramReadBytes[d] += ((n + 1) & ~1L) * 4;
            k.instructions[d] += 6;
          }
          k.mramReads[d] += count;
          k.mramReadBytes[d] += count * width * 4;
          k.instructions[d] += count * (8 + 6L * width);
          k.mramWrites[d]++;
          k.mramWriteBytes[d] += width * 8L;
          k.instructions[d] += 4;
        }
      }
    }
    return k;
  }

  void add(KernelCounts o) {
    for (int d = 0; d < mramReads.length; d++) {
      mramReads[d] += o.mramReads[d];
      mramReadBytes[d] += o.mramReadBytes[d];
      mramWrites[d] += o.mramWrites[d];
      mramWriteBytes[d] += o.mramWriteBytes[d];
      instructions[d] += o.instructions[d];
    }
  }
}
