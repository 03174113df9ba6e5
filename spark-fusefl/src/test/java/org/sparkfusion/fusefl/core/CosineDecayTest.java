package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

class CosineDecayTest {
  @Test
  void decaysFromTheFullRateToZeroOverTheSteps() {
    CosineDecay s = new CosineDecay(0.02, 100);
    assertThat(s.valueAt(0, 0)).isEqualTo(0.02);
    assertThat(s.valueAt(50, 0)).isCloseTo(0.01, within(1e-12));
    assertThat(s.valueAt(25, 3)).isCloseTo(0.01 * (1 + Math.cos(Math.PI / 4)), within(1e-12));
    assertThat(s.valueAt(100, 0)).isCloseTo(0, within(1e-12));
    assertThat(s.valueAt(150, 0)).isCloseTo(0, within(1e-12));
  }

  @Test
  void aTrainingNetworkUsesItSurvivesSerialisationAndStepsShrink() {
    ClientArchitecture arch = ClientArchitecture.of("mlp4", new ImageShape(1, 4, 4), 3, 2, 2, 0);
    TrainingConfig cfg = new TrainingConfig(2, 4, 0.05, 0.9, 1, 0, false, true, 0, 0, 0).forRows(10);
    assertThat(cfg.scheduleIterations()).isEqualTo(6); // 2 epochs x ceil(10 / 4) batches
    MultiLayerNetwork net = arch.trainingNetwork(0, 1, false, cfg, 7);
    Nesterovs u = (Nesterovs) net.getLayer(0).conf().getLayer().getUpdaterByParam("W");
    assertThat(u.getLearningRateSchedule()).isEqualTo(new CosineDecay(0.05, 6));
    MultiLayerNetwork back = Networks.fromBytes(Networks.toBytes(net), "test");
    assertThat(((Nesterovs) back.getLayer(0).conf().getLayer().getUpdaterByParam("W")).getLearningRateSchedule())
        .isEqualTo(new CosineDecay(0.05, 6));
    // Same initialisation, same data: the first step (rate 0.05 in both) is identical, the second is not.
    MultiLayerNetwork constant = arch.trainingNetwork(0, 1, false, new TrainingConfig(2, 4, 0.05, 0.9, 1), 7);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 4, 4);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
    y.putScalar(0, 0, 1).putScalar(1, 1, 1).putScalar(2, 2, 1).putScalar(3, 0, 1);
    assertThat(net.params()).isEqualTo(constant.params());
    net.fit(x, y);
    constant.fit(x, y);
    assertThat(net.params().equalsWithEps(constant.params(), 1e-7)).as("step 0").isTrue();
    net.fit(x, y);
    constant.fit(x, y);
    assertThat(net.params().equalsWithEps(constant.params(), 1e-6)).as("step 1 (cosine rate below 0.05)").isFalse();
  }

  @Test
  void withoutTheScheduleTheRateIsConstant() {
    assertThat(new TrainingConfig(2, 4, 0.05, 0.9, 1).updater()).isEqualTo(new Nesterovs(0.05, 0.9));
  }
}
