package org.sparkfusion.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.config.ConfigDocs;
import org.sparkfusion.common.config.ConfigTable;
import org.sparkfusion.common.test.TestDirs;

class ConfigurationDocsTest {

  @Test
  void everyModuleDeclaresItsKeysUnderItsOwnPrefix() {
    List<ConfigTable> tables = ConfigDocs.tables();
    assertThat(tables).extracting(ConfigTable::module).contains("fusefl", "dagtrain", "dlrm", "upmem");
    ConfigDocs.validate(tables);
  }

  @Test
  void committedConfigurationReferenceIsUpToDate() throws IOException {
    Path committed = TestDirs.projectRoot().resolve("docs/configuration.md");
    String expected = ConfigDocs.render(ConfigDocs.tables());
    assertThat(Files.readString(committed, StandardCharsets.UTF_8))
        .as("docs/configuration.md is stale: run bin/sparkfusion config-docs")
        .isEqualTo(expected);
  }
}
