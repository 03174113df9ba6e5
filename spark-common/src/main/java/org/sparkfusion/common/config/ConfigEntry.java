package org.sparkfusion.common.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.RuntimeConfig;

/**
 * One declared configuration key: name, type, default, documentation and a validity check. Modules declare
 * their keys once in a {@link ConfigTable}; values are read from {@link SparkConf}, a session's
 * {@link RuntimeConfig} or a plain map, and an invalid value fails with the key and the value in the message.
 *
 * @param <T> the value type
 */
public final class ConfigEntry<T> {

  private final String key;
  private final String type;
  private final T defaultValue;
  private final String doc;
  private final Function<String, T> parser;
  private final Predicate<T> check;
  private final String checkDoc;

  private ConfigEntry(String key, String type, T defaultValue, String doc, Function<String, T> parser,
      Predicate<T> check, String checkDoc) {
    this.key = Objects.requireNonNull(key, "key");
    this.type = type;
    this.defaultValue = defaultValue;
    this.doc = Objects.requireNonNull(doc, "doc");
    this.parser = parser;
    this.check = check;
    this.checkDoc = checkDoc;
  }

  public static ConfigEntry<String> string(String key, String defaultValue, String doc) {
    return new ConfigEntry<>(key, "string", defaultValue, doc, s -> s, v -> true, "");
  }

  public static ConfigEntry<Integer> integer(String key, Integer defaultValue, String doc) {
    return new ConfigEntry<>(key, "int", defaultValue, doc, s -> Integer.valueOf(s.trim()), v -> true, "");
  }

  public static ConfigEntry<Long> longValue(String key, Long defaultValue, String doc) {
    return new ConfigEntry<>(key, "long", defaultValue, doc, s -> Long.valueOf(s.trim()), v -> true, "");
  }

  public static ConfigEntry<Double> doubleValue(String key, Double defaultValue, String doc) {
    return new ConfigEntry<>(key, "double", defaultValue, doc, s -> Double.valueOf(s.trim()), v -> true, "");
  }

  public static ConfigEntry<Boolean> bool(String key, Boolean defaultValue, String doc) {
    return new ConfigEntry<>(key, "boolean", defaultValue, doc, ConfigEntry::parseBoolean, v -> true, "");
  }

  /** A string restricted to the given values (compared case-insensitively, returned lower-case). */
  public static ConfigEntry<String> oneOf(String key, String defaultValue, String doc, String... allowed) {
    String list = String.join(", ", allowed);
    return new ConfigEntry<>(key, "enum", defaultValue, doc, s -> s.trim().toLowerCase(Locale.ROOT),
        v -> java.util.Arrays.asList(allowed).contains(v), "one of " + list);
  }

  /** The same entry with an extra validity check, described for the docs. */
  public ConfigEntry<T> checkedBy(Predicate<T> extraCheck, String description) {
    return new ConfigEntry<>(key, type, defaultValue, doc, parser, check.and(extraCheck),
        checkDoc.isEmpty() ? description : checkDoc + "; " + description);
  }

  public String key() {
    return key;
  }

  public String type() {
    return type;
  }

  public T defaultValue() {
    return defaultValue;
  }

  public String doc() {
    return doc;
  }

  public String checkDoc() {
    return checkDoc;
  }

  /** Parses and checks {@code raw}; null means unset and yields the default. */
  public T parse(String raw) {
    if (raw == null) {
      return defaultValue;
    }
    T value;
    try {
      value = parser.apply(raw);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Invalid value '" + raw + "' for " + key + " (expected " + type + ")", e);
    }
    if (!check.test(value)) {
      throw new IllegalArgumentException("Invalid value '" + raw + "' for " + key
          + (checkDoc.isEmpty() ? "" : " (expected " + checkDoc + ")"));
    }
    return value;
  }

  public T get(SparkConf conf) {
    return parse(conf.contains(key) ? conf.get(key) : null);
  }

  public T get(RuntimeConfig conf) {
    return parse(conf.contains(key) ? conf.get(key) : null);
  }

  public T get(Map<String, String> conf) {
    return parse(conf.get(key));
  }

  /** Whether the key was set explicitly (as opposed to falling back to the default). */
  public boolean isSet(SparkConf conf) {
    return conf.contains(key);
  }

  private static Boolean parseBoolean(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return Boolean.TRUE;
    }
    if (v.equals("false")) {
      return Boolean.FALSE;
    }
    throw new IllegalArgumentException("not a boolean: " + s);
  }

  @Override
  public String toString() {
    return key + "=" + defaultValue;
  }
}
