package org.sparkfusion.dlrm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * The backend policy: explicitly named → that provider or fail fast with its reason; unset → the {@code upmem}
 * provider when the executor was assigned {@code upmem} resources and the provider is usable, else {@code cpu}
 * with one log line saying why.
 */
final class BackendSelector {
  static final String RESOURCE = "upmem";
  private static final Logger LOG = LoggerFactory.getLogger(BackendSelector.class);

  private BackendSelector() {}

  static List<EmbeddingBackendProvider> providers() {
    List<EmbeddingBackendProvider> out = new ArrayList<>();
    ServiceLoader.load(EmbeddingBackendProvider.class, BackendSelector.class.getClassLoader()).forEach(out::add);
    return out;
  }

  /** The names of the embedding backends on this class path: the registry, the one list of them. */
  static List<String> choices() {
    List<String> names = new ArrayList<>();
    providers().forEach(p -> names.add(p.name()));
    java.util.Collections.sort(names);  // ServiceLoader's order follows the class path; docs must not
    return names;
  }

  static EmbeddingBackendProvider provider(String name) {
    for (EmbeddingBackendProvider p : providers()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /** Null if {@code requested} (non-null) can be opened here, else why not (as an actionable sentence). */
  static String whyNot(String requested, Map<String, String> conf, List<String> addresses) {
    EmbeddingBackendProvider p = provider(requested);
    if (p == null) {
      List<String> names = new ArrayList<>();
      providers().forEach(q -> names.add(q.name()));
      return DlrmConf.EMBEDDING_BACKEND.key() + "=" + requested + " but no embedding backend provider named '"
          + requested + "' is on the executor class path (found: " + names + ")"
          + (requested.startsWith("upmem") ? "; add the native-upmem module jar" : "");
    }
    String reason = p.unavailableReason(conf, addresses);
    return reason == null ? null
        : DlrmConf.EMBEDDING_BACKEND.key() + "=" + requested + " but that backend is unavailable: " + reason;
  }

  static EmbeddingBackend open(EmbeddingTables tables, String requested, Map<String, String> conf,
      List<String> upmemAddresses) {
    if (requested != null) {
      String why = whyNot(requested, conf, upmemAddresses);
      if (why != null) {
        throw new IllegalStateException(why);
      }
      return provider(requested).open(tables, conf, upmemAddresses);
    }
    String reason;
    if (upmemAddresses.isEmpty()) {
      reason = "no upmem resources were assigned to this executor (spark.executor.resource.upmem.amount is unset)";
    } else {
      EmbeddingBackendProvider upmem = provider(RESOURCE);
      String unavailable = upmem == null ? "no upmem backend provider on the class path"
          : upmem.unavailableReason(conf, upmemAddresses);
      if (unavailable == null) {
        LOG.info("DLRM embedding backend: upmem on addresses {} ({} unset)", upmemAddresses,
            DlrmConf.EMBEDDING_BACKEND.key());
        return upmem.open(tables, conf, upmemAddresses);
      }
      reason = "upmem resources " + upmemAddresses + " were assigned but the upmem backend is unusable: " + unavailable;
    }
    LOG.info("DLRM embedding backend: cpu, because {}", reason);
    return provider("cpu").open(tables, conf, upmemAddresses);
  }
}
