package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FuseFLJobOptionsTest {
  @Test
  void augmentationAndWidthFlagsReachTheOptions() {
    FuseFLJob.Options o = FuseFLJob.parse(new String[] {"--dataset", "mnist", "--augment-shift", "2", "--no-scale-width",
        "--epochs", "30"});
    assertThat(o.augmentShift).isEqualTo(2);
    assertThat(o.scaleWidth).isFalse();
    assertThat(o.epochs).isEqualTo(30);
    FuseFLJob.Options d = FuseFLJob.parse(new String[] {"--dataset", "mnist"});
    assertThat(d.augmentShift).isZero();
    assertThat(d.scaleWidth).isTrue();
    assertThat(d.augmentFlip).isFalse();
    assertThat(d.lrSchedule).isEqualTo("constant");
    FuseFLJob.Options f = FuseFLJob.parse(new String[] {"--dataset", "fmnist", "--augment-flip", "--lr-schedule", "cosine"});
    assertThat(f.augmentFlip).isTrue();
    assertThat(f.lrSchedule).isEqualTo("cosine");
    assertThatThrownBy(() -> FuseFLJob.parse(new String[] {"--dataset", "fmnist", "--lr-schedule", "step"}))
        .hasMessageContaining("--lr-schedule");
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
    FuseFLJob.Options o = FuseFLJob.parse(new String[] {"--dataset", "fmnist", "--weight-decay", "5e-4", "--dropout",
        "0.3"});
    assertThat(o.weightDecay).isEqualTo(5e-4);
    assertThat(o.dropout).isEqualTo(0.3);
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
    FuseFLJob.Options o = FuseFLJob.parse(new String[] {"--dataset", "fmnist", "--augment-shift", "2",
        "--no-augment-fused-stages"});
    assertThat(o.augmentFusedStages).isFalse();
    assertThat(FuseFLJob.parse(new String[] {"--dataset", "fmnist"}).augmentFusedStages).isTrue();
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
