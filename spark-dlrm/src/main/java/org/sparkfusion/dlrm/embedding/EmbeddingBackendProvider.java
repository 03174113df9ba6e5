package org.sparkfusion.dlrm.embedding;

/** Found with ServiceLoader (META-INF/services/org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider). */
public interface EmbeddingBackendProvider {
  /** Backend name users put in config, e.g. "upmem". */
  String name();

  /** Null if usable on this executor with these resource addresses, else a one-line reason why not. */
  String unavailableReason(java.util.Map<String, String> conf, java.util.List<String> resourceAddresses);

  /** Opens a backend over {@code tables}; {@code conf} is the full Spark configuration. */
  EmbeddingBackend open(EmbeddingTables tables, java.util.Map<String, String> conf, java.util.List<String> resourceAddresses);
}
