package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.cli.Cli;

/** The benchmark's flags go through the project's one grammar: typed, defaults, unknown flags named. */
class DagTrainBenchCliTest {

  @Test
  void defaultsAndTypedValues() {
    DagTrainBench.Options d = Cli.parse(new DagTrainBench.Options());
    assertThat(d.steps).isEqualTo(30);
    assertThat(d.profiles).containsExactly("8mbit", "100mbit", "1gbit");
    assertThat(d.models).containsExactly("gpt-wide", "resnet-small");
    assertThat(d.gradientFeedback).isTrue();
    assertThat(d.master).isNull();

    DagTrainBench.Options o = Cli.parse(new DagTrainBench.Options(), "--steps=5", "--profiles", "none",
        "--model", "gpt-tiny", "--gradient-feedback", "false", "--site-memory", "0.5", "--out", "x.md",
        "--micro-batches", "8");
    assertThat(o.steps).isEqualTo(5);
    assertThat(o.profiles).isEqualTo(List.of("none"));
    assertThat(o.gradientFeedback).isFalse();
    assertThat(o.siteMemory).isEqualTo(0.5);
    assertThat(o.out).isEqualTo(Path.of("x.md"));
    assertThat(o.microBatches).isEqualTo(8);
  }

  @Test
  void badFlagsAreUsageErrorsNamingThem() {
    assertThatThrownBy(() -> Cli.parse(new DagTrainBench.Options(), "--stepz", "5"))
        .isInstanceOf(Cli.UsageException.class).hasMessageContaining("--stepz");
    assertThatThrownBy(() -> Cli.parse(new DagTrainBench.Options(), "--steps", "many"))
        .isInstanceOf(Cli.UsageException.class).hasMessageContaining("--steps");
  }
}
