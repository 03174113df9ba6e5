package org.sparkfusion.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class ConfigEntryTest {

  private static final ConfigEntry<Integer> BATCH = ConfigEntry.integer("spark.sparkfusion.demo.batchSize", 64, "Rows per batch.")
      .checkedBy(v -> v > 0, "> 0");
  private static final ConfigEntry<String> MODE = ConfigEntry.oneOf("spark.sparkfusion.demo.mode", "error", "What to do.", "error", "hash");

  @Test
  void unsetYieldsDefault() {
    assertThat(BATCH.get(new SparkConf(false))).isEqualTo(64);
  }

  @Test
  void setValueIsParsed() {
    assertThat(BATCH.get(new SparkConf(false).set(BATCH.key(), " 128 "))).isEqualTo(128);
    assertThat(MODE.get(Map.of(MODE.key(), "HASH"))).isEqualTo("hash");
  }

  @Test
  void invalidValueNamesKeyAndValue() {
    assertThatThrownBy(() -> BATCH.get(Map.of(BATCH.key(), "0")))
        .hasMessageContaining(BATCH.key()).hasMessageContaining("'0'").hasMessageContaining("> 0");
    assertThatThrownBy(() -> BATCH.get(Map.of(BATCH.key(), "many")))
        .hasMessageContaining(BATCH.key()).hasMessageContaining("int");
    assertThatThrownBy(() -> MODE.get(Map.of(MODE.key(), "wrap")))
        .hasMessageContaining("one of error, hash");
  }

  @Test
  void docsListEveryKeyWithDefault() {
    ConfigTable table = new ConfigTable() {
      public String module() {
        return "demo";
      }

      public String description() {
        return "Demo keys.";
      }

      public List<ConfigEntry<?>> entries() {
        return List.of(BATCH, MODE);
      }
    };
    ConfigDocs.validate(List.of(table));
    String md = ConfigDocs.render(List.of(table));
    assertThat(md).contains("| `spark.sparkfusion.demo.batchSize` | int | `64` | Rows per batch. Allowed: > 0. |");
    assertThat(md).contains("`spark.sparkfusion.demo.mode`");
  }

  @Test
  void keysOutsideTheModulePrefixAreRejected() {
    ConfigTable bad = new ConfigTable() {
      public String module() {
        return "other";
      }

      public String description() {
        return "";
      }

      public List<ConfigEntry<?>> entries() {
        return List.of(BATCH);
      }
    };
    assertThatThrownBy(() -> ConfigDocs.validate(List.of(bad))).hasMessageContaining("spark.sparkfusion.other.");
  }
}
