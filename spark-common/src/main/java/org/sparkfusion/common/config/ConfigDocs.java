package org.sparkfusion.common.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Renders every {@link ConfigTable} on the class path into Markdown. {@code main(outputFile)} writes
 * {@code docs/configuration.md}; a test in the distribution module fails when the committed file is stale.
 */
public final class ConfigDocs {

  public static final String PREFIX = "spark.sparkfusion.";

  private ConfigDocs() {}

  public static List<ConfigTable> tables() {
    List<ConfigTable> tables = new ArrayList<>();
    ServiceLoader.load(ConfigTable.class, ConfigDocs.class.getClassLoader()).forEach(tables::add);
    tables.sort(Comparator.comparing(ConfigTable::module));
    return tables;
  }

  public static String render(List<ConfigTable> tables) {
    StringBuilder md = new StringBuilder();
    md.append("# Configuration reference\n\n");
    md.append("<!-- Generated from the modules' declared ConfigTable classes by ")
        .append("`bin/sparkfusion config-docs`. Do not edit by hand. -->\n\n");
    md.append("Every key is read from the Spark configuration (`--conf`, `spark-defaults.conf`, ")
        .append("`SparkSession.builder().config(...)`, or `SET` in SQL where the key is a session key).\n");
    for (ConfigTable table : tables) {
      md.append("\n## ").append(table.module()).append("\n\n").append(table.description()).append("\n\n");
      md.append("| Key | Type | Default | Meaning |\n|---|---|---|---|\n");
      for (ConfigEntry<?> e : table.entries()) {
        String meaning = e.doc() + (e.checkDoc().isEmpty() ? "" : " Allowed: " + e.checkDoc() + ".");
        md.append("| `").append(e.key()).append("` | ").append(e.type()).append(" | ")
            .append(renderDefault(e.defaultValue())).append(" | ")
            .append(meaning.replace("|", "\\|").replace("\n", " ")).append(" |\n");
      }
    }
    return md.toString();
  }

  private static String renderDefault(Object value) {
    if (value == null) {
      return "(none)";
    }
    String s = value.toString();
    return s.isEmpty() ? "(empty)" : "`" + s + "`";
  }

  /** Checks that every key sits under {@code spark.sparkfusion.<module>.} and appears once. */
  public static void validate(List<ConfigTable> tables) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ConfigTable table : tables) {
      String prefix = PREFIX + table.module() + ".";
      for (ConfigEntry<?> e : table.entries()) {
        if (!e.key().startsWith(prefix)) {
          throw new IllegalStateException("Key " + e.key() + " of module " + table.module() + " is not under " + prefix);
        }
        if (!seen.add(e.key())) {
          throw new IllegalStateException("Key declared twice: " + e.key());
        }
      }
    }
  }

  public static void main(String[] args) throws IOException {
    Path out = Paths.get(args.length > 0 ? args[0] : "docs/configuration.md");
    List<ConfigTable> tables = tables();
    validate(tables);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
    Files.writeString(tmp, render(tables), StandardCharsets.UTF_8);
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("Wrote " + out + " (" + tables.size() + " modules)");
  }
}
