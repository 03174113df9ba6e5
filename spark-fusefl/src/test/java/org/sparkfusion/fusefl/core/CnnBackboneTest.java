package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The "cnn" backbone (5x5 conv + max-pool twice, two dense layers) on {@link FastConvolution}. */
class CnnBackboneTest {
  private static final ImageShape SHAPE = new ImageShape(1, 12, 12);
  private static final TrainingConfig CFG = new TrainingConfig(1, 4, 0.01, 0.9, 1);

  @Test
  void blocksForTwoAndFourStagesUseTheFastConvolution() {
    ClientArchitecture k2 = ClientArchitecture.of("cnn", SHAPE, 3, 2, 2, 0);
    assertThat(k2.mapOutput(0)).isTrue();
    assertThat(k2.mapOutput(1)).isFalse();
    // 12x12 -> conv + pool -> 6x6 -> conv + pool -> 3x3
    assertThat(k2.spatialInput(1)).containsExactly(3, 3);
    assertThat(k2.outChannels(0)).isEqualTo(4);
    MultiLayerNetwork net = k2.trainingNetwork(0, 1, false, CFG, 7);
    assertThat(net.getLayers()).hasSize(2 + 2 + 3 + 3 + 1);
    assertThat(net.getLayer(0).conf().getLayer()).isInstanceOf(FastConvolution.class);
    assertThat(net.getLayer(1).conf().getLayer()).isInstanceOf(SubsamplingLayer.class);
    assertThat(k2.trainingLayout(0, false).outputIndex).isEqualTo(10);
    assertThat(net.output(Nd4j.rand(DataType.FLOAT, 5, 1, 12, 12), false).shape()).containsExactly(5, 3);

    ClientArchitecture k4 = ClientArchitecture.of("cnn", SHAPE, 3, 2, 4, 0);
    assertThat(k4.spatialInput(1)).containsExactly(6, 6);
    assertThat(k4.spatialInput(2)).containsExactly(3, 3);
    // block 1 behind 3 clients' maps: a 1x1 FastConvolution adaptor, then conv + pool
    MultiLayerNetwork b1 = k4.branchNetwork(1, 3 * 2, true, 3);
    assertThat(b1.getLayer(0).conf().getLayer()).isInstanceOf(FastConvolution.class);
    assertThat(b1.output(Nd4j.rand(DataType.FLOAT, 2, 6, 6, 6), false).shape()).containsExactly(2, 4, 3, 3);
    // block 2 behind conv maps: the pixel-row dense adaptor, as for cnn-small
    MultiLayerNetwork b2 = k4.branchNetwork(2, 3 * 4, true, 3);
    assertThat(b2.getLayerWiseConfigurations().getInputPreProcess(0)).isInstanceOf(PixelRows.class);
    assertThat(b2.output(Nd4j.rand(DataType.FLOAT, 2, 12, 3, 3), false).shape()).containsExactly(2, 32);
    // a deeper heterogeneous client keeps the block's interface (extra 3x3 'same' convolution)
    ClientArchitecture deeper = ClientArchitecture.of("cnn", SHAPE, 3, 2, 2, 1);
    assertThat(deeper.spatialInput(1)).containsExactly(3, 3);
    INDArray out = deeper.branchNetwork(0, 1, false, 1).output(Nd4j.rand(DataType.FLOAT, 2, 1, 12, 12), false);
    assertThat(out.shape()).containsExactly(2, 4, 3, 3);
  }

  @Test
  void trainingLowersTheLossAndTheModelRoundTrips() {
    ClientArchitecture k2 = ClientArchitecture.of("cnn", SHAPE, 3, 2, 2, 0);
    MultiLayerNetwork net = k2.trainingNetwork(0, 1, false, new TrainingConfig(1, 16, 0.05, 0.9, 1), 7);
    Nd4j.getRandom().setSeed(3);
    INDArray x = Nd4j.rand(DataType.FLOAT, 48, 1, 12, 12);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 48, 3);
    for (int i = 0; i < 48; i++) {
      int c = i % 3;
      y.putScalar(i, c, 1);
      // class c: a bright horizontal band in rows 4c..4c+3
      x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all(),
          org.nd4j.linalg.indexing.NDArrayIndex.interval(4 * c, 4 * c + 4), org.nd4j.linalg.indexing.NDArrayIndex.all())
          .addi(1.0);
    }
    org.nd4j.linalg.dataset.DataSet ds = new org.nd4j.linalg.dataset.DataSet(x, y);
    double before = net.score(ds, false);
    for (int i = 0; i < 30; i++) {
      net.fit(ds);
    }
    assertThat(net.score(ds, false)).isLessThan(before * 0.5);
    MultiLayerNetwork back = Networks.fromBytes(Networks.toBytes(net), "cnn");
    assertThat(back.output(x, false).equalsWithEps(net.output(x, false), 1e-6)).isTrue();
  }
}
