package org.sparkfusion.upmem;

import java.io.File;
import java.util.List;
import java.util.Map;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * Embedding backend {@code upmem}: real UPMEM DPUs through the SDK's libdpu (library built by the Maven profile
 * {@code upmem-sdk}). Usable only where {@code /dev/dpu_rank*} devices exist (or the SDK simulator is chosen with
 * {@code spark.sparkfusion.upmem.sdkProfile=backend=simulator}) and the SDK library loads. Allocates one rank per
 * {@code upmem} resource address of the executor.
 */
public final class UpmemBackendProvider implements EmbeddingBackendProvider {

  @Override
  public String name() {
    return "upmem";
  }

  static int deviceRanks() {
    File[] devs = new File("/dev").listFiles((dir, n) -> n.startsWith("dpu_rank"));
    return devs == null ? 0 : devs.length;
  }

  @Override
  public String unavailableReason(Map<String, String> conf, List<String> resourceAddresses) {
    boolean simulator = UpmemConfig.SDK_PROFILE.get(conf).contains("backend=simulator");
    String link = null;
    try {
      new SdkDpuNative();
    } catch (UnsatisfiedLinkError e) {
      link = e.getMessage();
    }
    if (deviceRanks() == 0 && !simulator) {
      return "no /dev/dpu_rank* devices on this host" + (link == null ? "" : " and the UPMEM SDK library is not "
          + "loadable (" + link + ")");
    }
    if (link != null) {
      return "the UPMEM SDK library is not loadable (" + link + "); build with -Pupmem-sdk where the SDK is installed";
    }
    if (resourceAddresses.isEmpty()) {
      return "no upmem resource addresses were assigned to this executor (spark.executor.resource.upmem.amount)";
    }
    try {
      UpmemSettings.of(conf);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return null;
  }

  @Override
  public EmbeddingBackend open(EmbeddingTables tables, Map<String, String> conf, List<String> resourceAddresses) {
    String why = unavailableReason(conf, resourceAddresses);
    if (why != null) {
      throw new IllegalStateException("upmem backend unavailable: " + why);
    }
    return UpmemSettings.of(conf).open(name(), new SdkDpuNative(), tables, resourceAddresses.size(),
        UpmemConfig.SDK_PROFILE.get(conf));
  }
}
