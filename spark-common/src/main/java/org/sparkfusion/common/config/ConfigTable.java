package org.sparkfusion.common.config;

import java.util.List;

/**
 * A module's declared configuration: every key it reads, once. Implementations are listed in
 * {@code META-INF/services/org.sparkfusion.common.config.ConfigTable}; {@link ConfigDocs} renders all of
 * them into {@code docs/configuration.md}.
 */
public interface ConfigTable {
  /** Module name as it appears in keys, e.g. {@code dlrm} for {@code spark.sparkfusion.dlrm.*}. */
  String module();

  /** One line describing what the module's keys control. */
  String description();

  List<ConfigEntry<?>> entries();
}
