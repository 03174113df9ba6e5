package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** {@link FastConvolution} against DL4J's own ConvolutionLayer (same weights) and against finite differences. */
class FastConvolutionTest {

  private static MultiLayerNetwork net(boolean fast, int k, int stride, ConvolutionMode mode, Activation act,
      int inC, int h, int w, int outC) {
    ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(k, k).nOut(outC).stride(stride, stride)
        .convolutionMode(mode).activation(act);
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
        .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).list()
        .layer(fast ? new FastConvolution(b) : b.build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3).activation(Activation.IDENTITY).build())
        .setInputType(InputType.convolutional(h, w, inC)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  private static void assertClose(INDArray a, INDArray b, double tol) {
    assertThat(a.shape()).containsExactly(b.shape());
    double diff = a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    assertThat(diff).as("max |difference|").isLessThan(tol);
  }

  @Test
  void matchesDl4jConvolutionForwardAndBackward() {
    compareWithDl4j();
    // chunks of 2 images (5 images: 2, 2 and a partial chunk of 1, buffers reused across chunks and calls)
    int saved = FastConvolutionLayer.chunkFloats;
    FastConvolutionLayer.chunkFloats = 2 * 2 * 5 * 5 * 9 * 8;
    try {
      compareWithDl4j();
    } finally {
      FastConvolutionLayer.chunkFloats = saved;
    }
  }

  private static void compareWithDl4j() {
    Nd4j.getRandom().setSeed(11);
    // 'same' stride 1 (odd and even kernels), truncate strided (as cnn-small), 'same' strided.
    Object[][] cases = {{3, 1, ConvolutionMode.Same}, {4, 1, ConvolutionMode.Same}, {4, 2, ConvolutionMode.Truncate},
        {3, 2, ConvolutionMode.Same}, {5, 1, ConvolutionMode.Truncate}};
    for (Object[] c : cases) {
      int k = (int) c[0];
      int s = (int) c[1];
      ConvolutionMode mode = (ConvolutionMode) c[2];
      MultiLayerNetwork ref = net(false, k, s, mode, Activation.RELU, 2, 9, 8, 4);
      MultiLayerNetwork fast = net(true, k, s, mode, Activation.RELU, 2, 9, 8, 4);
      fast.setParams(ref.params().dup());
      assertThat(fast.getLayer(0)).isInstanceOf(FastConvolutionLayer.class);
      INDArray x = Nd4j.rand(DataType.FLOAT, 5, 2, 9, 8).subi(0.5);
      INDArray y = Nd4j.rand(DataType.FLOAT, 5, 3);
      String what = "k=" + k + " s=" + s + " " + mode;
      assertClose(fast.output(x, false), ref.output(x, false), 1e-5);
      assertClose(fast.feedForwardToLayer(0, x, false).get(1), ref.feedForwardToLayer(0, x, false).get(1), 1e-5);
      Pair<Gradient, INDArray> gr = ref.calculateGradients(x, y, null, null);
      Pair<Gradient, INDArray> gf = fast.calculateGradients(x, y, null, null);
      for (String key : new String[] {"0_W", "0_b", "1_W", "1_b"}) {
        assertClose(gf.getFirst().getGradientFor(key), gr.getFirst().getGradientFor(key), 1e-5);
      }
      assertClose(gf.getSecond(), gr.getSecond(), 1e-5);
      // a second, different batch through the same (reused) buffers
      INDArray x2 = Nd4j.rand(DataType.FLOAT, 5, 2, 9, 8);
      assertClose(fast.calculateGradients(x2, y, null, null).getSecond(),
          ref.calculateGradients(x2, y, null, null).getSecond(), 1e-5);
      assertThat(gf.getFirst().getGradientFor("0_W").amaxNumber().doubleValue()).as(what).isGreaterThan(1e-4);
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Nd4j.getRandom().setSeed(5);
    // Identity activations and a squared loss: the score is quadratic in every parameter, so central
    // differences are exact up to float rounding.
    MultiLayerNetwork fast = net(true, 3, 1, ConvolutionMode.Same, Activation.IDENTITY, 2, 6, 5, 3);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2, 6, 5).subi(0.5);
    INDArray y = Nd4j.rand(DataType.FLOAT, 4, 3);
    Pair<Gradient, INDArray> g = fast.calculateGradients(x, y, null, null);
    INDArray w = fast.getLayer(0).getParam("W");
    INDArray gw = g.getFirst().getGradientFor("0_W").dup();
    INDArray gb = g.getFirst().getGradientFor("0_b").dup();
    double eps = 1e-2;
    for (long i = 0; i < w.length(); i += 7) {
      double numeric = centralDifference(fast, w, i, eps, x, y);
      assertThat(gw.getDouble(i)).as("dW[" + i + "]").isCloseTo(numeric,
          org.assertj.core.data.Offset.offset(2e-3 * Math.max(1, Math.abs(numeric))));
    }
    INDArray b = fast.getLayer(0).getParam("b");
    for (long i = 0; i < b.length(); i++) {
      double numeric = centralDifference(fast, b, i, eps, x, y);
      assertThat(gb.getDouble(i)).as("db[" + i + "]").isCloseTo(numeric,
          org.assertj.core.data.Offset.offset(2e-3 * Math.max(1, Math.abs(numeric))));
    }
    // the gradient with respect to the input, one element per channel and corner
    for (long i : new long[] {0, 29, 30, 59, 119}) {
      INDArray flat = x.reshape(x.length());
      float orig = flat.getFloat(i);
      flat.putScalar(i, orig + eps);
      double up = score(fast, x, y);
      flat.putScalar(i, orig - eps);
      double down = score(fast, x, y);
      flat.putScalar(i, orig);
      double numeric = (up - down) / (2 * eps);
      assertThat(g.getSecond().reshape(x.length()).getDouble(i)).as("dx[" + i + "]").isCloseTo(numeric,
          org.assertj.core.data.Offset.offset(2e-3 * Math.max(1, Math.abs(numeric))));
    }
  }

  private static byte[] renameInZip(byte[] zip, String from, String to) {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip));
          java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
        for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          byte[] b = in.readAllBytes();
          if (e.getName().equals("configuration.json")) {
            String json = new String(b, java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).contains(from);
            b = json.replace(from, to).getBytes(java.nio.charset.StandardCharsets.UTF_8);
          }
          z.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
          z.write(b);
          z.closeEntry();
        }
      }
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static double centralDifference(MultiLayerNetwork net, INDArray param, long i, double eps, INDArray x,
      INDArray y) {
    INDArray flat = param.reshape(param.length());
    float orig = flat.getFloat(i);
    flat.putScalar(i, orig + eps);
    double up = score(net, x, y);
    flat.putScalar(i, orig - eps);
    double down = score(net, x, y);
    flat.putScalar(i, orig);
    return (up - down) / (2 * eps);
  }

  private static double score(MultiLayerNetwork net, INDArray x, INDArray y) {
    // calculateGradients' score is the mean over the batch; sum it back to match the gradient's scale
    return net.score(new org.nd4j.linalg.dataset.DataSet(x, y), false) * x.size(0);
  }

  @Test
  void roundTripsThroughTheModelFormatAndRejectsUnsupportedSettings() {
    MultiLayerNetwork fast = net(true, 3, 1, ConvolutionMode.Same, Activation.RELU, 1, 6, 6, 2);
    MultiLayerNetwork back = Networks.fromBytes(Networks.toBytes(fast), "test");
    assertThat(back.getLayer(0)).isInstanceOf(FastConvolutionLayer.class);
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 6, 6);
    assertClose(back.output(x, false), fast.output(x, false), 1e-7);
    // A configuration naming any other class is refused before DL4J instantiates anything.
    byte[] evil = renameInZip(Networks.toBytes(fast), FastConvolution.class.getName(), "org.example.Evil");
    assertThatThrownBy(() -> Networks.fromBytes(evil, "evil.zip"))
        .hasMessageContaining("evil.zip").hasMessageContaining("org.example.Evil");

    ConvolutionLayer.Builder dilated = new ConvolutionLayer.Builder(3, 3).nOut(2).dilation(2, 2)
        .convolutionMode(ConvolutionMode.Same);
    MultiLayerNetwork bad = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
        .layer(new FastConvolution(dilated))
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3).activation(Activation.IDENTITY).build())
        .setInputType(InputType.convolutional(6, 6, 1)).build());
    bad.init();
    assertThatThrownBy(() -> bad.output(x, false)).hasMessageContaining("dilation 1 only");
  }

  @Test
  void aFirstLayerWithoutInputGradientTrainsExactlyTheSameAndSaysSoInItsFormat() {
    MultiLayerNetwork full = net(true, 5, 1, ConvolutionMode.Same, Activation.RELU, 1, 8, 8, 3);
    MultiLayerNetwork lean = net(true, 5, 1, ConvolutionMode.Same, Activation.RELU, 1, 8, 8, 3);
    ((FastConvolution) lean.getLayer(0).conf().getLayer()).setInputGradient(false);
    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 8, 8);
    INDArray y = Nd4j.rand(DataType.FLOAT, 4, 3);
    for (int step = 0; step < 3; step++) {
      full.fit(x, y);
      lean.fit(x, y);
    }
    assertThat(lean.params()).isEqualTo(full.params());
    // The input gradient is there on request only.
    assertThat(full.calculateGradients(x, y, null, null).getSecond()).isNotNull();
    assertThat(lean.calculateGradients(x, y, null, null).getSecond()).isNull();
    MultiLayerNetwork back = Networks.fromBytes(Networks.toBytes(lean), "test");
    assertThat(((FastConvolution) back.getLayer(0).conf().getLayer()).isInputGradient()).isFalse();
    // The client networks' first convolution needs no input gradient; the ones above it do.
    MultiLayerNetwork client = ClientArchitecture.of("cnn", new ImageShape(1, 12, 12), 3, 2, 2, 0)
        .trainingNetwork(0, 1, false, new TrainingConfig(1, 4, 0.01, 0.9, 1), 7);
    assertThat(((FastConvolution) client.getLayer(0).conf().getLayer()).isInputGradient()).isFalse();
    assertThat(((FastConvolution) client.getLayer(2).conf().getLayer()).isInputGradient()).isTrue();
  }
}
