package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.sparkfusion.common.cli.Cli;

class DagTrainJobCliTest {

  @Test
  void flagsParseOnceIntoTypesAndDefaultsComeFromTheConfigTable() {
    DagTrainJob.Options o = DagTrainJob.parse("--model", "gpt-tiny", "--stages=2", "--steps", "3", "--lr", "0.01",
        "--micro-batches", "2", "--conf", "spark.sparkfusion.dagtrain.warmUpSeconds=0");
    assertThat(o.model).isEqualTo(DagTrainJob.ModelName.GPT_TINY);
    assertThat(o.compression).isEqualTo(new Compression.None());
    assertThat(o.planner).isEqualTo(PlannerChoice.OPFENCE);
    assertThat(DagTrainJob.parse("--model", "gpt-tiny", "--stages=2", "--steps", "3", "--compression", "TopK:0.25",
        "--planner", "even").trainer(Models.gptTiny()).spec(new org.apache.spark.SparkConf(false), 2))
        .satisfies(s -> {
          assertThat(s.compression).isEqualTo(new Compression.TopK(0.25));
          assertThat(s.planner).isEqualTo(PlannerChoice.EVEN);
          assertThat(s.schedule).isEqualTo(Schedule.GPIPE);
        });
    assertThat(o.training.given(DagTrainConfig.LEARNING_RATE)).isEqualTo(0.01);
    assertThat(o.training.given(DagTrainConfig.MICRO_BATCHES)).isEqualTo(2);
    assertThat(o.training.given(DagTrainConfig.OPTIMIZER)).isNull();
    assertThat(o.sparkConf().get("spark.sparkfusion.dagtrain.warmUpSeconds")).isEqualTo("0");
    assertThat(o.training.flagDefaults()).containsEntry("--lr", String.valueOf(DagTrainConfig.LEARNING_RATE.defaultValue()))
        .containsEntry("--micro-batches", String.valueOf(DagTrainConfig.MICRO_BATCHES.defaultValue()));
    assertThat(DagTrainJob.parse("--model", "GPT-small", "--stages", "3", "--steps", "1").model)
        .isEqualTo(DagTrainJob.ModelName.GPT_SMALL);
    // gpt-small's own learning rate, unless the flag or the session key gives one
    org.apache.spark.SparkConf none = new org.apache.spark.SparkConf(false);
    assertThat(DagTrainJob.parse("--model", "gpt-small", "--stages", "3", "--steps", "1").trainer(Models.gptTiny())
        .spec(none, 3).learningRate).isEqualTo(3e-4);
    assertThat(DagTrainJob.parse("--model", "gpt-small", "--stages", "3", "--steps", "1", "--lr", "0.01")
        .trainer(Models.gptTiny()).spec(none, 3).learningRate).isEqualTo(0.01);
    DagTrainer bySession = DagTrainJob.parse("--model", "gpt-small", "--stages", "3", "--steps", "1", "--conf",
        "spark.sparkfusion.dagtrain.learningRate=0.02").trainer(Models.gptTiny());
    assertThat(bySession.isSet(bySession.learningRate())).isFalse();
    assertThat(Cli.usage(new DagTrainJob.Options())).contains("--micro-batches").contains("gpipe|1f1b")
        .contains("session key");
  }

  @Test
  void badFlagsAreNamed() {
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-huge", "--stages", "2", "--steps", "3"))
        .hasMessageContaining("--model").hasMessageContaining("gpt-huge");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "0", "--steps", "3"))
        .hasMessageStartingWith("dagtrain: --stages");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2", "--steps", "3",
        "--compression", "zip")).hasMessageContaining("--compression").hasMessageContaining("'zip'");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2", "--steps", "3",
        "--planner", "greedy")).hasMessageContaining("--planner").hasMessageContaining("'greedy'");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2", "--steps", "3",
        "--optimizer", "lamb")).hasMessageContaining("--optimizer").hasMessageContaining("lamb");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2", "--steps", "3", "--lr", "x"))
        .hasMessageContaining("--lr");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2"))
        .hasMessageContaining("--steps");
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2", "--steps", "3",
        "--conf", "novalue")).hasMessageContaining("--conf");
  }
}
