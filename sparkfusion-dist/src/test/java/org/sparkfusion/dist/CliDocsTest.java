package org.sparkfusion.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.test.TestDirs;

class CliDocsTest {

  @Test
  void everyJobTakesHelpAndVerboseAndHasADescription() {
    for (Object command : CliDocs.commands()) {
      assertThat(Cli.usage(command)).as(Cli.name(command)).contains("--help").contains("--verbose");
      assertThat(Cli.description(command)).as(Cli.name(command)).isNotBlank();
    }
    assertThat(CliDocs.summary().lines()).hasSize(CliDocs.commands().size());
  }

  @Test
  void committedCliReferenceIsUpToDate() throws IOException {
    Path committed = TestDirs.projectRoot().resolve("docs/cli.md");
    assertThat(Files.readString(committed, StandardCharsets.UTF_8))
        .as("docs/cli.md is stale: run bin/sparkfusion cli-docs")
        .isEqualTo(CliDocs.render());
  }
}
