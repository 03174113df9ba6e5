package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The dense (mlp4) backbone inside the generic block, fusion and adaptor machinery. */
class Mlp4BackboneTest {
  private static final ImageShape SHAPE = new ImageShape(1, 6, 6);

  @Test
  void blocksAreDenseLayersOfWidthEightW() {
    ClientArchitecture arch = ClientArchitecture.of("mlp4", SHAPE, 3, 2, 2, 0);
    assertThat(arch.dense()).isTrue();
    assertThat(arch.outChannels(0)).isEqualTo(16);
    assertThat(arch.featureDim()).isEqualTo(16);
    MultiLayerNetwork net = arch.trainingNetwork(0, 1, false, new TrainingConfig(1, 4, 0.01, 0.9, 1), 7);
    INDArray p = net.output(Nd4j.rand(DataType.FLOAT, 5, 1, 6, 6), false);
    assertThat(p.shape()).containsExactly(5, 3);
  }

  @Test
  void unknownBackboneIsNamed() {
    assertThatThrownBy(() -> ClientArchitecture.of("resnet99", SHAPE, 3, 2, 2, 0))
        .hasMessageContaining("backbone must be one of cnn4, mlp4, cnn-small, cnn, got resnet99");
  }

  @Test
  void fusedForwardIsConcatenationThenEachClientsDenseAdaptor() {
    ClientArchitecture arch = ClientArchitecture.mlp4(SHAPE, 3, 1, 2, 0);
    int m = 3;
    int concatWidth = m * arch.outChannels(0);
    List<MultiLayerNetwork> stage0 = new ArrayList<>();
    List<MultiLayerNetwork> stage1 = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      stage0.add(arch.branchNetwork(0, 1, false, 10 + i));
      stage1.add(arch.branchNetwork(1, concatWidth, true, 20 + i));
    }
    FusedNetwork fused = new FusedNetwork(2, 3, Adaptor.CONV1X1);
    fused.addStage(stage0);
    fused.addStage(stage1);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 6, 6);
    INDArray[] outs = new INDArray[m];
    for (int i = 0; i < m; i++) {
      outs[i] = stage0.get(i).output(x, false);
    }
    INDArray concat = Nd4j.concat(1, outs);
    assertThat(fused.stageInput(x, 1).equalsWithEps(concat, 1e-6)).isTrue();
    INDArray expected = null;
    for (int i = 0; i < m; i++) {
      MultiLayerNetwork b = stage1.get(i);
      INDArray w = b.getLayer(0).getParam("W"); // [in, out]
      INDArray adapted = concat.mmul(w).addRowVector(b.getLayer(0).getParam("b"));
      assertThat(b.feedForwardToLayer(0, concat, false).get(1).equalsWithEps(adapted, 1e-4)).isTrue();
      INDArray out = b.output(concat, false);
      expected = expected == null ? out.dup() : expected.addi(out);
    }
    assertThat(fused.stageInput(x, 2).equalsWithEps(expected, 1e-5)).isTrue();
  }
}
