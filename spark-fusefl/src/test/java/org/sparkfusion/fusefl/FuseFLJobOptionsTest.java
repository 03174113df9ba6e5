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
  }

  @Test
  void augmentShiftOutOfRangeIsRefusedByTheParam() {
    assertThatThrownBy(() -> new FuseFL().setAugmentShift(9)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("augmentShift");
    assertThat(new FuseFL().setAugmentShift(2).trainingConfig(3).augmentShift()).isEqualTo(2);
  }
}
