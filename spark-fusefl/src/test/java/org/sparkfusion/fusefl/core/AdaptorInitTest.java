package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** adaptorInit=own-branch: stage 2 of a client starts as exactly the network the client ended stage 1 with. */
class AdaptorInitTest {
  private static final ImageShape SHAPE = new ImageShape(1, 8, 8);
  private static final int CLASSES = 3;

  private static LocalData data(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = 40;
    float[] x = new float[n * SHAPE.size()];
    int[] y = new int[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextDouble();
    }
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(CLASSES);
    }
    return new LocalData(SHAPE, x, y);
  }

  /** Trains stage 1 for both clients, fuses their first blocks and returns client 1's stage-2 start and state. */
  private static INDArray[] outputs(String backbone, int ownBranchOffsetOrMinusOne) {
    ClientArchitecture[] archs = {ClientArchitecture.of(backbone, SHAPE, CLASSES, 2, 2, 0),
        ClientArchitecture.of(backbone, SHAPE, CLASSES, 2, 2, 0)};
    TrainingConfig cfg = new TrainingConfig(1, 16, 0.05, 0.9, 7);
    List<MultiLayerNetwork> branches = new ArrayList<>();
    byte[] state1 = null;
    for (int m = 0; m < 2; m++) {
      StageOutcome o = ClientTrainer.trainStage(archs[m], 0, null, 1, Adaptor.CONV1X1, null, data(m), cfg, m, 11 + m, -1);
      branches.add(Networks.fromBytes(o.upload(), "branch"));
      state1 = o.state();
    }
    FusedNetwork fused = new FusedNetwork(2, CLASSES, Adaptor.CONV1X1);
    fused.addStage(branches);
    int inChannels = archs[0].outChannels(0) + archs[1].outChannels(0);
    MultiLayerNetwork start = ClientTrainer.startingNetwork(archs[1], 1, inChannels, Adaptor.CONV1X1, state1, cfg, 1,
        99, ownBranchOffsetOrMinusOne);
    INDArray x = Nd4j.rand(DataType.FLOAT, 5, 1, 8, 8);
    INDArray before = Networks.fromBytes(state1, "state").output(x, false);
    INDArray after = start.output(fused.stageInput(x, 1), false);
    return new INDArray[] {before, after};
  }

  @ParameterizedTest
  @ValueSource(strings = {"cnn", "cnn4"})
  void ownBranchAdaptorStartsFromTheClientsPreviousFunction(String backbone) {
    int offset = ClientArchitecture.of(backbone, SHAPE, CLASSES, 2, 2, 0).outChannels(0);
    INDArray[] o = outputs(backbone, offset);
    assertThat(o[1].equalsWithEps(o[0], 1e-5)).as("stage-2 start equals client 1's stage-1 network").isTrue();
  }

  @Test
  void randomAdaptorDoesNot() {
    INDArray[] o = outputs("cnn", -1);
    assertThat(o[1].equalsWithEps(o[0], 1e-3)).isFalse();
  }

  @Test
  void branchOutsideTheAdaptorInputIsRefused() {
    ClientArchitecture arch = ClientArchitecture.of("cnn", SHAPE, CLASSES, 2, 2, 0);
    TrainingConfig cfg = new TrainingConfig(1, 16, 0.05, 0.9, 7);
    MultiLayerNetwork net = arch.trainingNetwork(1, arch.outChannels(0) * 2, true, cfg, 3);
    assertThatThrownBy(() -> ClientTrainer.selectBranch(net.getLayer(0), arch.outChannels(0) + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceed");
  }
}
