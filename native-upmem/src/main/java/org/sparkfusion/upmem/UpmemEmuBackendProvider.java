package org.sparkfusion.upmem;

import org.sparkfusion.common.nativelib.NativeLibraries;
import java.util.List;
import java.util.Map;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * Embedding backend {@code upmem-emu}: the UPMEM kernel and host library on the emulated UPMEM runtime (JNI,
 * Linux x86-64). One rank per {@code upmem} resource address of the executor, or
 * {@code spark.sparkfusion.upmem.emulatedRanks} ranks when there are none. Results equal the CPU backend within
 * the fixed-point error; speed is not representative of hardware (see the cost model in docs/upmem.md).
 */
public final class UpmemEmuBackendProvider implements EmbeddingBackendProvider {

  /** Ranks of the emulated system: the largest published UPMEM machine (2,560 DPUs). */
  static final int MAX_RANKS = 40;

  @Override
  public String name() {
    return "upmem-emu";
  }

  @Override
  public String unavailableReason(Map<String, String> conf, List<String> resourceAddresses) {
    if (!NativeLibraries.platform().equals("linux-x86_64")) {
      return "the emulated UPMEM runtime is built for linux-x86_64 only (this JVM runs " + NativeLibraries.platform()
          + ")";
    }
    try {
      new EmulatedDpuNative();
    } catch (UnsatisfiedLinkError e) {
      return e.getMessage();
    }
    try {
      UpmemSettings.of(conf);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    int ranks = ranks(conf, resourceAddresses);
    if (ranks == 0) {
      return "no upmem resource addresses and " + UpmemConfig.EMULATED_RANKS.key() + "=0";
    }
    if (ranks > MAX_RANKS) {
      return ranks + " ranks requested but the emulated system has " + MAX_RANKS + " (2,560 DPUs)";
    }
    return null;
  }

  private static int ranks(Map<String, String> conf, List<String> addresses) {
    return addresses.isEmpty() ? UpmemConfig.EMULATED_RANKS.get(conf) : addresses.size();
  }

  @Override
  public EmbeddingBackend open(EmbeddingTables tables, Map<String, String> conf, List<String> resourceAddresses) {
    UpmemSettings s = UpmemSettings.of(conf);
    String profile = "backend=emu,nrDpusPerRank=" + UpmemConfig.DPUS_PER_RANK.get(conf);
    return s.open(name(), new EmulatedDpuNative(), tables, ranks(conf, resourceAddresses), profile);
  }
}
