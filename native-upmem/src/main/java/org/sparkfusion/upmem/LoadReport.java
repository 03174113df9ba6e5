package org.sparkfusion.upmem;

import java.util.Locale;

/** Per-DPU load over evaluated batches, cache hit rate and the modeled batch latency. */
final class LoadReport {
  final String strategy;
  final int nrDpus;
  final long[] lookups;
  final long[] bytes;
  final long[] cacheServed;
  final long[] shardRows;
  long originalLookups;
  long replicaServed;
  int batches;
  /** Sum over batches of that batch's own max/mean lookups (the kernel waits for the busiest DPU per batch). */
  double perBatchMaxMeanSum;
  double modeledUsSum;
  double kernelUsSum;
  double transferUsSum;
  double launchUsSum;
  double hostUsSum;

  LoadReport(String strategy, int nrDpus) {
    this.strategy = strategy;
    this.nrDpus = nrDpus;
    lookups = new long[nrDpus];
    bytes = new long[nrDpus];
    cacheServed = new long[nrDpus];
    shardRows = new long[nrDpus];
  }

  void add(DpuBatch b, KernelCounts k, CostModel.Latency latency) {
    for (int d = 0; d < nrDpus; d++) {
      lookups[d] += b.lookups[d];
      bytes[d] += k.mramReadBytes[d] + k.mramWriteBytes[d];
      cacheServed[d] += b.cacheServed[d];
      replicaServed += b.replicaServed[d];
    }
    perBatchMaxMeanSum += maxMean(b.lookups);
    originalLookups += b.originalLookups;
    batches++;
    modeledUsSum += latency.totalUs();
    kernelUsSum += latency.kernelUs;
    transferUsSum += latency.hostToDpuUs + latency.dpuToHostUs;
    launchUsSum += latency.launchUs;
    hostUsSum += latency.hostUs;
  }

  double maxMeanLoad() {
    return maxMean(lookups);
  }

  /** Mean over batches of each batch's max/mean DPU load. */
  double perBatchMaxMean() {
    return batches == 0 ? 1.0 : perBatchMaxMeanSum / batches;
  }

  /** Share of original lookups served by hot-row replicas under balanced placement. */
  double replicaShare() {
    return originalLookups == 0 ? 0 : (double) replicaServed / originalLookups;
  }

  static double maxMean(long[] lookups) {
    long max = 0;
    long sum = 0;
    for (long l : lookups) {
      max = Math.max(max, l);
      sum += l;
    }
    return sum == 0 ? 1.0 : max / ((double) sum / lookups.length);
  }

  double cacheHitRate() {
    long served = 0;
    for (long c : cacheServed) {
      served += c;
    }
    return originalLookups == 0 ? 0 : (double) served / originalLookups;
  }

  /** Mean modeled DPU-side time per batch (transfers + launch + slowest DPU's kernel), microseconds. */
  double dpuSideUs() {
    return batches == 0 ? 0 : (kernelUsSum + transferUsSum + launchUsSum) / batches;
  }

  double modeledBatchLatencyUs() {
    return batches == 0 ? 0 : modeledUsSum / batches;
  }

  String text() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "strategy %s on %d DPUs, %d batches%n", strategy, nrDpus, batches));
    s.append(String.format(Locale.ROOT, "  max/mean DPU load (lookups): %.3f (per batch, mean over batches: %.3f)%n",
        maxMeanLoad(), perBatchMaxMean()));
    s.append(String.format(Locale.ROOT, "  cache hit rate: %.3f (original lookups served by cache-region entries)%n",
        cacheHitRate()));
    s.append(String.format(Locale.ROOT, "  replica share: %.3f (original lookups served by hot-row replicas, balanced)%n",
        replicaShare()));
    s.append(String.format(Locale.ROOT,
        "  MODELED batch latency on UPMEM hardware: %.1f us (kernel %.1f, transfers %.1f, launch %.1f assumed, "
        + "host measured %.1f)%n", modeledBatchLatencyUs(), kernelUsSum / Math.max(1, batches),
        transferUsSum / Math.max(1, batches), launchUsSum / Math.max(1, batches), hostUsSum / Math.max(1, batches)));
    s.append("  dpu  rows  lookups  bytes  cache_served\n");
    int shown = Math.min(nrDpus, 16);
    for (int d = 0; d < shown; d++) {
      s.append(String.format(Locale.ROOT, "  %3d  %d  %d  %d  %d%n", d, shardRows[d], lookups[d], bytes[d],
          cacheServed[d]));
    }
    if (shown < nrDpus) {
      s.append("  ... (").append(nrDpus - shown).append(" more in --json)\n");
    }
    return s.toString();
  }

  String json() {
    StringBuilder s = new StringBuilder();
    s.append("{\"strategy\":\"").append(strategy).append("\",\"dpus\":").append(nrDpus)
        .append(String.format(Locale.ROOT, ",\"max_mean_load\":%.6f,\"cache_hit_rate\":%.6f", maxMeanLoad(),
            cacheHitRate()))
        .append(String.format(Locale.ROOT, ",\"per_batch_max_mean_load\":%.6f,\"replica_share\":%.6f",
            perBatchMaxMean(), replicaShare()))
        .append(String.format(Locale.ROOT, ",\"modeled_batch_latency_us\":%.3f", modeledBatchLatencyUs()))
        .append(",\"modeled\":true,\"batches\":").append(batches).append(",\"per_dpu\":[");
    for (int d = 0; d < nrDpus; d++) {
      if (d > 0) {
        s.append(',');
      }
      s.append("{\"dpu\":").append(d).append(",\"rows\":").append(shardRows[d]).append(",\"lookups\":")
          .append(lookups[d]).append(",\"bytes\":").append(bytes[d]).append(",\"cache_served\":")
          .append(cacheServed[d]).append('}');
    }
    return s.append("]}").toString();
  }
}
