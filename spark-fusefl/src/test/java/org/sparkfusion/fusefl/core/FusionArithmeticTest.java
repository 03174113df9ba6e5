package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused forward equals the clients' blocks run side by side, concatenated, then each client's adaptor. */
class FusionArithmeticTest {
  private static final ImageShape SHAPE = new ImageShape(1, 8, 8);

  private static List<MultiLayerNetwork> branches(ClientArchitecture[] archs, int stage, int inChannels, boolean adaptor) {
    List<MultiLayerNetwork> list = new ArrayList<>();
    for (int m = 0; m < archs.length; m++) {
      list.add(archs[m].branchNetwork(stage, inChannels, adaptor, 100 + 10L * m + stage));
    }
    return list;
  }

  /** y[n,o,h,w] = sum_i W[o,i] x[n,i,h,w] + b[o], computed element by element. */
  private static INDArray conv1x1ByHand(INDArray x, INDArray w, INDArray b) {
    long n = x.size(0);
    long in = x.size(1);
    long out = w.size(0);
    INDArray y = Nd4j.zeros(x.dataType(), n, out, x.size(2), x.size(3));
    for (int s = 0; s < n; s++) {
      for (int o = 0; o < out; o++) {
        for (int h = 0; h < x.size(2); h++) {
          for (int v = 0; v < x.size(3); v++) {
            double acc = b.getDouble(o);
            for (int i = 0; i < in; i++) {
              acc += w.getDouble(o, i, 0, 0) * x.getDouble(s, i, h, v);
            }
            y.putScalar(new long[] {s, o, h, v}, acc);
          }
        }
      }
    }
    return y;
  }

  @Test
  void fusedForwardIsConcatenationFollowedByEachClientsAdaptorAndSum() {
    ClientArchitecture[] archs = {ClientArchitecture.cnn4(SHAPE, 3, 2, 2, 0), ClientArchitecture.cnn4(SHAPE, 3, 2, 2, 0),
        ClientArchitecture.cnn4(SHAPE, 3, 2, 2, 0)};
    int concatChannels = 3 * archs[0].outChannels(0);
    FusedNetwork fused = new FusedNetwork(2, 3, Adaptor.CONV1X1);
    List<MultiLayerNetwork> stage0 = branches(archs, 0, 1, false);
    List<MultiLayerNetwork> stage1 = branches(archs, 1, concatChannels, true);
    fused.addStage(stage0);
    fused.addStage(stage1);
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 1, 8, 8);

    INDArray[] outs = new INDArray[3];
    for (int m = 0; m < 3; m++) {
      outs[m] = stage0.get(m).output(x, false);
    }
    INDArray concat = Nd4j.concat(1, outs);
    assertThat(concat.size(1)).isEqualTo(concatChannels);
    assertThat(fused.stageInput(x, 1).equalsWithEps(concat, 1e-6)).isTrue();

    INDArray expected = null;
    for (int m = 0; m < 3; m++) {
      MultiLayerNetwork b = stage1.get(m);
      INDArray adapted = conv1x1ByHand(concat, b.getLayer(0).getParam("W"), b.getLayer(0).getParam("b"));
      INDArray adaptorOut = b.feedForwardToLayer(0, concat, false).get(1);
      assertThat(adaptorOut.equalsWithEps(adapted, 1e-4)).isTrue();
      INDArray pooled = b.output(concat, false);
      expected = expected == null ? pooled.dup() : expected.addi(pooled);
    }
    INDArray features = fused.stageInput(x, 2);
    assertThat(features.shape()).containsExactly(4, archs[0].featureDim());
    assertThat(features.equalsWithEps(expected, 1e-5)).isTrue();
  }

  @Test
  void avgAdaptorFeedsTheElementWiseMean() {
    ClientArchitecture arch = ClientArchitecture.cnn4(SHAPE, 3, 2, 2, 0);
    ClientArchitecture[] archs = {arch, arch};
    FusedNetwork fused = new FusedNetwork(2, 3, Adaptor.AVG);
    List<MultiLayerNetwork> stage0 = branches(archs, 0, 1, false);
    fused.addStage(stage0);
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 8, 8);
    INDArray mean = stage0.get(0).output(x, false).add(stage0.get(1).output(x, false)).div(2);
    assertThat(fused.stageInput(x, 1).equalsWithEps(mean, 1e-6)).isTrue();
  }

  @Test
  void predictionsAreTheHeadAppliedToSummedFeatures() {
    ClientArchitecture arch = ClientArchitecture.cnn4(SHAPE, 3, 2, 1, 0);
    FusedNetwork fused = new FusedNetwork(1, 3, Adaptor.CONV1X1);
    fused.addStage(branches(new ClientArchitecture[] {arch, arch}, 0, 1, false));
    SoftmaxHead head = new SoftmaxHead(3, arch.featureDim());
    for (int i = 0; i < head.weights.length; i++) {
      head.weights[i] = (i % 5) * 0.1f - 0.2f;
    }
    fused.setHead(head);
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 1, 8, 8);
    float[] f = fused.stageInput(x, 1).dup('c').data().asFloat();
    INDArray p = fused.probabilities(x);
    for (int i = 0; i < 3; i++) {
      double[] expected = head.probabilities(f, i * arch.featureDim());
      for (int c = 0; c < 3; c++) {
        assertThat(p.getDouble(i, c)).isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }
}
