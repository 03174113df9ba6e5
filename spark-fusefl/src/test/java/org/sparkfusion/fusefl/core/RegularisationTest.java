package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Weight decay and dropout of {@link TrainingConfig} in the client networks (the "cnn" backbone, K=2). */
class RegularisationTest {
  private static final ImageShape SHAPE = new ImageShape(1, 12, 12);
  // cnn at K=2, stage 0: conv, pool, conv, pool, dense, BN, ReLU, dense, BN, ReLU, output
  private static final int CONV = 0;
  private static final int DENSE1 = 4;
  private static final int BN1 = 5;
  private static final int DENSE2 = 7;
  private static final int OUTPUT = 10;

  private static TrainingConfig config(double weightDecay, double dropout) {
    return new TrainingConfig(1, 8, 0.05, 0.9, 1, 0, false, false, 0, weightDecay, dropout);
  }

  private static MultiLayerNetwork network(double weightDecay, double dropout) {
    return ClientArchitecture.of("cnn", SHAPE, 3, 2, 2, 0).trainingNetwork(0, 1, false,
        config(weightDecay, dropout), 7);
  }

  private static INDArray[] batch() {
    Nd4j.getRandom().setSeed(5);
    INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 12, 12);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
    for (int i = 0; i < 8; i++) {
      y.putScalar(i, i % 3, 1);
    }
    return new INDArray[] {x, y};
  }

  @Test
  void weightDecayShrinksEachWeightMatrixByLearningRateTimesDecayAndLeavesBiasesAndBatchNorm() {
    MultiLayerNetwork plain = network(0, 0);
    MultiLayerNetwork decayed = network(0.01, 0);
    assertThat(decayed.params()).isEqualTo(plain.params());
    INDArray[] b = batch();
    int[] weighted = {CONV, DENSE1, DENSE2, OUTPUT};
    INDArray[] before = new INDArray[weighted.length];
    for (int i = 0; i < weighted.length; i++) {
      before[i] = decayed.getLayer(weighted[i]).getParam("W").dup();
    }
    plain.fit(b[0], b[1]);
    decayed.fit(b[0], b[1]);
    // Same gradient step in both; the decayed one also subtracts lr x wd x W (W before the step).
    for (int i = 0; i < weighted.length; i++) {
      int layer = weighted[i];
      INDArray expected = plain.getLayer(layer).getParam("W").sub(before[i].mul(0.05 * 0.01));
      assertThat(decayed.getLayer(layer).getParam("W").equalsWithEps(expected, 1e-6)).as("W of layer " + layer)
          .isTrue();
      assertThat(decayed.getLayer(layer).getParam("W").equalsWithEps(plain.getLayer(layer).getParam("W"), 1e-7))
          .as("W of layer " + layer + " changed").isFalse();
      assertThat(decayed.getLayer(layer).getParam("b").equalsWithEps(plain.getLayer(layer).getParam("b"), 1e-7))
          .as("bias of layer " + layer).isTrue();
    }
    assertThat(decayed.getLayer(BN1).params().equalsWithEps(plain.getLayer(BN1).params(), 1e-7)).as("BatchNorm")
        .isTrue();
  }

  @Test
  void dropoutActsOnTheHiddenDenseOutputsInTrainingOnly() {
    MultiLayerNetwork net = network(0, 0.5);
    for (int i = 0; i < net.getLayers().length; i++) {
      Object d = net.getLayer(i).conf().getLayer().getIDropout();
      if (i == DENSE2 || i == OUTPUT) {
        // DL4J's Dropout holds the probability of keeping a unit
        assertThat(d).as("layer " + i).isEqualTo(new Dropout(0.5));
      } else {
        assertThat(d).as("layer " + i).isNull();
      }
    }
    INDArray x = batch()[0];
    MultiLayerNetwork plain = network(0, 0);
    assertThat(net.output(x, false)).isEqualTo(plain.output(x, false));
    assertThat(net.output(x, true).equalsWithEps(plain.output(x, true), 1e-4)).isFalse();
    MultiLayerNetwork back = Networks.fromBytes(Networks.toBytes(net), "test");
    assertThat(back.getLayer(OUTPUT).conf().getLayer().getIDropout()).isEqualTo(new Dropout(0.5));
  }

  @Test
  void outOfRangeValuesAreRejectedByName() {
    assertThatThrownBy(() -> config(-0.1, 0)).hasMessageContaining("weightDecay");
    assertThatThrownBy(() -> config(0, 1.0)).hasMessageContaining("dropout");
  }
}
