package org.sparkfusion.common.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.sparkfusion.common.config.ConfigEntry;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Command-line flags for session keys declared as {@link ConfigEntry}: the flag's type, default, doc and check are
 * the entry's, and a given flag's value is parsed once, by the entry. A flag overrides the key for this job only
 * ({@link #applyTo(SparkConf)}); {@code --conf key=value} and spark-defaults.conf set the same keys.
 */
public final class ConfigOptions {

  private record Binding(ConfigEntry<?> entry, String flag, OptionSpec option) {}

  private final List<Binding> bindings;
  private Map<ConfigEntry<?>, Object> values = Map.of();
  private Map<ConfigEntry<?>, String> raw = Map.of();

  private ConfigOptions(List<Binding> bindings) {
    this.bindings = bindings;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The parsed value of {@code entry}'s flag, or null when it was not given. */
  @SuppressWarnings("unchecked")
  public <T> T given(ConfigEntry<T> entry) {
    return (T) values.get(entry);
  }

  /** The value of {@code entry}'s flag if given, else {@code fallback}. */
  public <T> T getOrElse(ConfigEntry<T> entry, T fallback) {
    T v = given(entry);
    return v == null ? fallback : v;
  }

  /** Sets every given flag's key on {@code conf}. */
  public SparkConf applyTo(SparkConf conf) {
    raw.forEach((e, v) -> conf.set(e.key(), v));
    return conf;
  }

  /** Flag → shown default (for tests and docs). */
  public Map<String, String> flagDefaults() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Binding b : bindings) {
      m.put(b.flag(), String.valueOf(b.entry().defaultValue()));
    }
    return m;
  }

  void addTo(CommandSpec spec) {
    for (Binding b : bindings) {
      spec.addOption(b.option());
    }
  }

  void bind(ParseResult result) {
    Map<ConfigEntry<?>, Object> v = new LinkedHashMap<>();
    Map<ConfigEntry<?>, String> r = new LinkedHashMap<>();
    for (Binding b : bindings) {
      if (!result.hasMatchedOption(b.option())) {
        continue;
      }
      String text = (String) b.option().getValue();
      try {
        v.put(b.entry(), b.entry().parse(text));
      } catch (IllegalArgumentException e) {
        String check = b.entry().checkDoc();
        throw new IllegalArgumentException("invalid value for " + b.flag() + ": '" + text + "' (" + b.entry().type()
            + (check.isEmpty() ? "" : ", " + check) + ")");
      }
      r.put(b.entry(), text.trim());
    }
    values = v;
    raw = r;
  }

  /** Declares the entries that become flags. */
  public static final class Builder {
    private final List<Binding> bindings = new ArrayList<>();

    /** A flag for {@code entry} under {@code names} (the first is the main name). */
    public Builder entry(ConfigEntry<?> entry, String... names) {
      String check = entry.checkDoc();
      String label = "enum".equals(entry.type()) ? check.replace("one of ", "").replace(", ", "|")
          : "<" + entry.type() + ">";
      OptionSpec option = OptionSpec.builder(names).type(String.class).arity("1").paramLabel(label)
          .description(entry.doc() + " (default: " + (String.valueOf(entry.defaultValue()).isEmpty() ? "none"
              : entry.defaultValue()) + "; session key " + entry.key() + ")").build();
      bindings.add(new Binding(entry, names[0], option));
      return this;
    }

    public ConfigOptions build() {
      return new ConfigOptions(List.copyOf(bindings));
    }
  }
}
