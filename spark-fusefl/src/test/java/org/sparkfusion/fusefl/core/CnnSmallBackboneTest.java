package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The cnn-small backbone (two strided convolutions, two dense layers) in the block, fusion and adaptor code. */
class CnnSmallBackboneTest {
  private static final ImageShape SHAPE = new ImageShape(1, 12, 12);
  private static final TrainingConfig CFG = new TrainingConfig(1, 4, 0.01, 0.9, 1);

  @Test
  void shapesAndLayoutsForTwoAndFourBlocks() {
    ClientArchitecture k2 = ClientArchitecture.of("cnn-small", SHAPE, 3, 2, 2, 0);
    assertThat(k2.dense()).isFalse();
    assertThat(k2.mapOutput(0)).isTrue();
    assertThat(k2.mapOutput(1)).isFalse();
    assertThat(k2.outChannels(0)).isEqualTo(4);
    assertThat(k2.featureDim()).isEqualTo(32);
    // 12x12 -> conv 4x4/2 -> 5x5 -> conv 3x3/2 -> 2x2
    assertThat(k2.spatialInput(1)).containsExactly(2, 2);
    MultiLayerNetwork net = k2.trainingNetwork(0, 1, false, CFG, 7);
    assertThat(net.getLayers()).hasSize(2 + 3 + 3 + 1);
    assertThat(k2.trainingLayout(0, false).outputIndex).isEqualTo(8);
    assertThat(k2.trainingLayout(0, false).poolIndex).isEqualTo(-1);
    INDArray p = net.output(Nd4j.rand(DataType.FLOAT, 5, 1, 12, 12), false);
    assertThat(p.shape()).containsExactly(5, 3);

    ClientArchitecture k4 = ClientArchitecture.of("cnn-small", SHAPE, 3, 2, 4, 0);
    assertThat(k4.spatialInput(1)).containsExactly(5, 5);
    assertThat(k4.spatialInput(2)).containsExactly(2, 2);
    assertThat(k4.mapOutput(1)).isTrue();
    assertThat(k4.mapOutput(2)).isFalse();
    // Block 1 (a convolution) behind 3 clients' conv maps: a 1x1 ConvolutionLayer adaptor.
    MultiLayerNetwork b1 = k4.branchNetwork(1, 3 * 2, true, 3);
    assertThat(b1.getLayer(0).conf().getLayer()).isInstanceOf(ConvolutionLayer.class);
    assertThat(b1.output(Nd4j.rand(DataType.FLOAT, 2, 6, 5, 5), false).shape()).containsExactly(2, 4, 2, 2);
    // Block 2 (first dense layer) behind conv maps: the 1x1 convolution as a dense layer on pixel rows.
    MultiLayerNetwork b2 = k4.branchNetwork(2, 3 * 4, true, 3);
    assertThat(b2.getLayer(0).conf().getLayer()).isInstanceOf(DenseLayer.class);
    assertThat(b2.getLayerWiseConfigurations().getInputPreProcess(0)).isInstanceOf(PixelRows.class);
    assertThat(b2.output(Nd4j.rand(DataType.FLOAT, 2, 12, 2, 2), false).shape()).containsExactly(2, 32);
    // Block 3 behind dense outputs: a dense adaptor.
    MultiLayerNetwork b3 = k4.branchNetwork(3, 3 * 32, true, 3);
    assertThat(b3.getLayer(0).conf().getLayer()).isInstanceOf(DenseLayer.class);
    assertThat(b3.output(Nd4j.rand(DataType.FLOAT, 2, 96), false).shape()).containsExactly(2, 32);
  }

  @Test
  void deeperHeterogeneousClientKeepsTheBlockInterfaces() {
    ClientArchitecture plain = ClientArchitecture.of("cnn-small", SHAPE, 3, 2, 2, 0);
    ClientArchitecture deeper = ClientArchitecture.of("cnn-small", SHAPE, 3, 2, 2, 1);
    assertThat(deeper.spatialInput(1)).containsExactly(plain.spatialInput(1));
    assertThat(deeper.outChannels(0)).isEqualTo(plain.outChannels(0));
    MultiLayerNetwork b0 = deeper.branchNetwork(0, 1, false, 1);
    assertThat(b0.output(Nd4j.rand(DataType.FLOAT, 2, 1, 12, 12), false).shape()).containsExactly(2, 4, 2, 2);
    assertThat(deeper.trainingNetwork(0, 1, false, CFG, 1).getLayers().length)
        .isGreaterThan(plain.trainingNetwork(0, 1, false, CFG, 1).getLayers().length);
  }

  @Test
  void tooSmallImagesAreRejected() {
    assertThatThrownBy(() -> ClientArchitecture.of("cnn-small", new ImageShape(1, 6, 6), 3, 2, 2, 0))
        .hasMessageContaining("at least 8x8");
  }

  @Test
  void fusedForwardIsConcatenatedMapsThenEachClientsConv1x1Adaptor() {
    ClientArchitecture arch = ClientArchitecture.cnnSmall(SHAPE, 3, 1, 2, 0);
    int m = 3;
    int concatChannels = m * arch.outChannels(0);
    List<MultiLayerNetwork> stage0 = new ArrayList<>();
    List<MultiLayerNetwork> stage1 = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      stage0.add(arch.branchNetwork(0, 1, false, 10 + i));
      stage1.add(arch.branchNetwork(1, concatChannels, true, 20 + i));
    }
    FusedNetwork fused = new FusedNetwork(2, 3, Adaptor.CONV1X1);
    fused.addStage(stage0);
    fused.addStage(stage1);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 12, 12);
    INDArray[] outs = new INDArray[m];
    for (int i = 0; i < m; i++) {
      outs[i] = stage0.get(i).output(x, false);
    }
    INDArray concat = Nd4j.concat(1, outs);
    assertThat(concat.shape()).containsExactly(4, concatChannels, 2, 2);
    assertThat(fused.stageInput(x, 1).equalsWithEps(concat, 1e-6)).isTrue();
    INDArray expected = null;
    for (int i = 0; i < m; i++) {
      MultiLayerNetwork b = stage1.get(i);
      // 1x1 convolution by hand: out[n, o, y, x] = sum_c W[c, o] * in[n, c, y, x] + b[o], one row per pixel
      INDArray w = b.getLayer(0).getParam("W"); // [in, out]
      INDArray bias = b.getLayer(0).getParam("b");
      INDArray adapted = b.feedForwardToLayer(0, concat, false).get(1);
      assertThat(adapted.shape()).containsExactly(4 * 2 * 2, arch.outChannels(0));
      for (int n = 0; n < 4; n++) {
        for (int o = 0; o < arch.outChannels(0); o++) {
          for (int y = 0; y < 2; y++) {
            for (int xx = 0; xx < 2; xx++) {
              double v = bias.getDouble(o);
              for (int c = 0; c < concatChannels; c++) {
                v += w.getDouble(c, o) * concat.getDouble(n, c, y, xx);
              }
              assertThat(adapted.getDouble((n * 2 + y) * 2 + xx, o)).isCloseTo(v, Offset.offset(1e-4));
            }
          }
        }
      }
      INDArray out = b.output(concat, false);
      expected = expected == null ? out.dup() : expected.addi(out);
    }
    assertThat(fused.stageInput(x, 2).equalsWithEps(expected, 1e-5)).isTrue();
  }

  @Test
  void cachedStageInputsEqualThePerBatchForwardPass() {
    ClientArchitecture arch = ClientArchitecture.cnnSmall(SHAPE, 3, 1, 2, 0);
    List<MultiLayerNetwork> stage0 = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      stage0.add(arch.branchNetwork(0, 1, false, 30 + i));
    }
    FusedNetwork fused = new FusedNetwork(2, 3, Adaptor.CONV1X1);
    fused.addStage(stage0);
    int n = 300;
    float[] px = Nd4j.rand(DataType.FLOAT, n, SHAPE.size()).data().asFloat();
    int[] labels = new int[n];
    LocalData data = new LocalData(SHAPE, px, labels);
    int[] order = data.identityOrder();
    for (int i = 0; i < n / 2; i++) {
      int t = order[i];
      order[i] = order[n - 1 - i];
      order[n - 1 - i] = t;
    }
    StageInputs cached = StageInputs.of(fused, 1, data, StageInputs.MAX_VALUES);
    StageInputs direct = StageInputs.of(fused, 1, data, 0);
    assertThat(cached.cached()).isTrue();
    assertThat(direct.cached()).isFalse();
    INDArray a = cached.batch(order, 17, 150);
    INDArray b = direct.batch(order, 17, 150);
    assertThat(a.shape()).containsExactly(b.shape());
    assertThat(a.equalsWithEps(b, 1e-6)).isTrue();
  }

  @Test
  void flipWithoutShiftCachesBothOrientationsAndDrawsAsTheUncachedPath() {
    ClientArchitecture arch = ClientArchitecture.cnnSmall(SHAPE, 3, 1, 2, 0);
    List<MultiLayerNetwork> stage0 = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      stage0.add(arch.branchNetwork(0, 1, false, 40 + i));
    }
    FusedNetwork fused = new FusedNetwork(2, 3, Adaptor.CONV1X1);
    fused.addStage(stage0);
    int n = 200;
    LocalData data = new LocalData(SHAPE, Nd4j.rand(DataType.FLOAT, n, SHAPE.size()).data().asFloat(), new int[n]);
    int[] order = data.identityOrder();
    for (int i = 0; i < n; i++) {
      order[i] = (i * 37) % n; // a permutation (37 and 200 are coprime)
    }
    StageInputs cached = StageInputs.of(fused, 1, data, StageInputs.MAX_VALUES, true);
    StageInputs direct = StageInputs.of(fused, 1, data, 0, true);
    assertThat(cached.cached()).isTrue();
    assertThat(direct.cached()).isFalse();
    INDArray a = cached.trainingBatch(order, 11, 190, 0, true, new java.util.SplittableRandom(8));
    INDArray b = direct.trainingBatch(order, 11, 190, 0, true, new java.util.SplittableRandom(8));
    assertThat(a.shape()).containsExactly(b.shape());
    assertThat(a.equalsWithEps(b, 1e-6)).isTrue();
    // and a flip did happen: the batch differs from the plain one
    assertThat(a.equalsWithEps(cached.batch(order, 11, 190), 1e-3)).isFalse();
  }

  @Test
  void pixelRowAdaptorHasTheGradientsOfA1x1Convolution() {
    int c = 3;
    int out = 2;
    int h = 3;
    MultiLayerNetwork pixel = net(true, c, out, h);
    MultiLayerNetwork conv = net(false, c, out, h);
    // same weights: dense W [in, out] = conv W [out, in, 1, 1] transposed; the rest identical
    conv.getLayer(0).setParam("W", pixel.getLayer(0).getParam("W").transpose().reshape(out, c, 1, 1));
    conv.getLayer(0).setParam("b", pixel.getLayer(0).getParam("b").dup());
    for (int i = 1; i < 3; i++) {
      conv.getLayer(i).setParam("W", pixel.getLayer(i).getParam("W").dup());
      conv.getLayer(i).setParam("b", pixel.getLayer(i).getParam("b").dup());
    }
    INDArray x = Nd4j.rand(DataType.DOUBLE, 4, c, h, h).subi(0.5);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 3);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, i % 3, 1.0);
    }
    assertThat(pixel.output(x, false).equalsWithEps(conv.output(x, false), 1e-10)).isTrue();
    Pair<Gradient, INDArray> gp = pixel.calculateGradients(x, y, null, null);
    Pair<Gradient, INDArray> gc = conv.calculateGradients(x, y, null, null);
    assertThat(gp.getSecond().equalsWithEps(gc.getSecond(), 1e-10)).isTrue();
    INDArray dwPixel = gp.getFirst().getGradientFor("0_W");
    INDArray dwConv = gc.getFirst().getGradientFor("0_W").reshape(out, c).transpose();
    assertThat(dwPixel.equalsWithEps(dwConv, 1e-10)).isTrue();
    assertThat(gp.getFirst().getGradientFor("0_b").equalsWithEps(gc.getFirst().getGradientFor("0_b"), 1e-10)).isTrue();
    assertThat(gp.getFirst().getGradientFor("1_W").equalsWithEps(gc.getFirst().getGradientFor("1_W"), 1e-10)).isTrue();
  }

  private static MultiLayerNetwork net(boolean pixelRows, int c, int out, int h) {
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
        .updater(new Sgd(0.1)).list();
    list.layer(pixelRows
        ? new DenseLayer.Builder().nOut(out).activation(Activation.IDENTITY).build()
        : new ConvolutionLayer.Builder(1, 1).nOut(out).activation(Activation.IDENTITY).build());
    list.layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build());
    list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build());
    if (pixelRows) {
      list.inputPreProcessor(0, new PixelRows(h, h));
      list.inputPreProcessor(1, new PixelRowsToVector(h * h));
    }
    MultiLayerConfiguration conf = list.setInputType(InputType.convolutional(h, h, c)).build();
    MultiLayerConfiguration roundTrip = MultiLayerConfiguration.fromJson(conf.toJson());
    assertThat(roundTrip).isEqualTo(conf);
    MultiLayerNetwork n = new MultiLayerNetwork(roundTrip);
    n.init();
    return n;
  }
}
