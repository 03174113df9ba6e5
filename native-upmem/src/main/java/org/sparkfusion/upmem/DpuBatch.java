package org.sparkfusion.upmem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One routed batch: per DPU the bag descriptors (first, count), the local row ids (each bag's list padded to an
 * even length) and the destination of every bag in the output; plus what the load report counts.
 */
final class DpuBatch {
  final int nrDpus;
  final IntList[] bags;
  final IntList[] idx;
  final long[][] dest;
  final int[] destCount;
  /** Row reads (non-padding index entries) per DPU. */
  final long[] lookups;
  /** Original lookups served from the cache region per DPU (a pair sum serves two). */
  final long[] cacheServed;
  /** Lookups served by replicas of hot rows under balanced placement (cache-aware counts them as cache hits). */
  final long[] replicaServed;
  long originalLookups;

  DpuBatch(int nrDpus) {
    this.nrDpus = nrDpus;
    bags = new IntList[nrDpus];
    idx = new IntList[nrDpus];
    dest = new long[nrDpus][16];
    destCount = new int[nrDpus];
    lookups = new long[nrDpus];
    cacheServed = new long[nrDpus];
    replicaServed = new long[nrDpus];
    for (int d = 0; d < nrDpus; d++) {
      bags[d] = new IntList();
      idx[d] = new IntList();
    }
  }

  void openBag(int d, long destination) {
    bags[d].add(idx[d].n);
    bags[d].add(0);
    if (destCount[d] == dest[d].length) {
      dest[d] = java.util.Arrays.copyOf(dest[d], destCount[d] * 2);
    }
    dest[d][destCount[d]++] = destination;
  }

  void addRow(int d, int local) {
    idx[d].add(local);
    bags[d].a[bags[d].n - 1]++;
    lookups[d]++;
  }

  void closeBag(int d) {
    if ((bags[d].a[bags[d].n - 1] & 1) != 0) {
      idx[d].add(0);
    }
  }

  int bagCount(int d) {
    return bags[d].n / 2;
  }

  /** The native call's direct buffers, in DPU order. */
  static final class Buffers {
    ByteBuffer bagCounts;
    ByteBuffer idxCounts;
    ByteBuffer bags;
    ByteBuffer idx;
    ByteBuffer dest;

    private static ByteBuffer ensure(ByteBuffer b, long bytes) {
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("batch too large for one launch: " + bytes + " bytes of routing data");
      }
      if (b == null || b.capacity() < bytes) {
        b = ByteBuffer.allocateDirect((int) Math.max(64, bytes + bytes / 2)).order(ByteOrder.nativeOrder());
      }
      b.clear();
      return b;
    }
  }

  Buffers fill(Buffers b) {
    long nb = 0;
    long ni = 0;
    for (int d = 0; d < nrDpus; d++) {
      nb += bagCount(d);
      ni += idx[d].n;
    }
    b.bagCounts = Buffers.ensure(b.bagCounts, 4L * nrDpus);
    b.idxCounts = Buffers.ensure(b.idxCounts, 4L * nrDpus);
    b.bags = Buffers.ensure(b.bags, 8 * nb);
    b.idx = Buffers.ensure(b.idx, 4 * ni);
    b.dest = Buffers.ensure(b.dest, 8 * nb);
    for (int d = 0; d < nrDpus; d++) {
      b.bagCounts.putInt(bagCount(d));
      b.idxCounts.putInt(idx[d].n);
      b.bags.asIntBuffer().put(bags[d].a, 0, bags[d].n);
      b.bags.position(b.bags.position() + 4 * bags[d].n);
      b.idx.asIntBuffer().put(idx[d].a, 0, idx[d].n);
      b.idx.position(b.idx.position() + 4 * idx[d].n);
      b.dest.asLongBuffer().put(dest[d], 0, destCount[d]);
      b.dest.position(b.dest.position() + 8 * destCount[d]);
    }
    return b;
  }
}
