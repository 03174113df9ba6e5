package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.sparkfusion.dagtrain.imports.SameDiffImport;

class SameDiffImportTest {
  private static final int N = 6;
  private static final int CLASSES = 3;

  private static INDArray randn(long... shape) {
    return Nd4j.randn(DataType.FLOAT, shape).muli(0.5);
  }

  private static int[] labels() {
    int[] y = new int[N];
    for (int i = 0; i < N; i++) {
      y[i] = (i * 7 + 1) % CLASSES;
    }
    return y;
  }

  private static INDArray oneHot(int[] y) {
    INDArray a = Nd4j.zeros(DataType.FLOAT, y.length, CLASSES);
    for (int i = 0; i < y.length; i++) {
      a.putScalar(i, y[i], 1.0);
    }
    return a;
  }

  private static Tensor tensor(INDArray a) {
    long[] s = a.shape();
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = (int) s[i];
    }
    return new Tensor(shape, a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
  }

  /** Our forward of every node but the loss (exit tensors: the logits and the labels), and the loss. */
  private static Map<String, Tensor> ours(Graph g, Map<String, Tensor> in) {
    Map<String, Tensor> out = new HashMap<>(new StageRunner(g, 0, g.size() - 1, 7).forward(in, new RunContext(7, 0, 0, true)));
    out.putAll(new StageRunner(g, 0, g.size(), 7).forward(in, new RunContext(7, 0, 0, true)));
    return out;
  }

  private static void assertClose(Tensor ours, INDArray theirs, double tol) {
    Tensor t = tensor(theirs);
    assertThat(ours.size()).isEqualTo(t.size());
    for (int i = 0; i < t.size(); i++) {
      assertThat(ours.data[i]).as("element %d", i).isCloseTo(t.data[i], org.assertj.core.data.Offset.offset(tol));
    }
  }

  /** x -> relu(x W1 + b1) -> relu(h W2 + b2) -> layer norm -> linear -> softmax cross-entropy (one-hot). */
  private static SameDiff mlp() {
    Nd4j.getRandom().setSeed(11);
    SameDiff sd = SameDiff.create();
    SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5);
    SDVariable y = sd.placeHolder("label", DataType.FLOAT, -1, CLASSES);
    SDVariable h = sd.nn.relu("h", sd.mmul("mm1", x, sd.var("w1", randn(5, 8))).add("h_pre", sd.var("b1", randn(8))), 0);
    SDVariable h2 = sd.nn.relu("h2", sd.mmul("mm2", h, sd.var("w2", randn(8, 8))).add("h2_pre", sd.var("b2", randn(8))), 0);
    SDVariable n = sd.nn.layerNorm("norm", h2, sd.var("gain", randn(8).addi(1)), sd.var("shift", randn(8)), false, 1);
    SDVariable logits = sd.nn.linear("logits", n, sd.var("w3", randn(8, CLASSES)), sd.var("b3", randn(CLASSES)));
    sd.nn.softmax("probs", logits); // inference output beside the loss: not imported
    sd.loss.softmaxCrossEntropy("loss", y, logits, null);
    return sd;
  }

  @Test void sameDiffMlpImportsWithItsWeightsAndComputesTheSameForward() {
    SameDiff sd = mlp();
    Graph g = SameDiffImport.fromSameDiff(sd);
    assertThat(g.nodeNames()).containsExactly("x", "label", "h_pre", "h", "h2_pre", "h2", "norm", "logits", "loss");
    assertThat(g.inputNames()).containsExactly("x", "label");
    assertThat(g.hasInitialParameters()).isTrue();

    INDArray x = randn(N, 5);
    int[] y = labels();
    Map<String, INDArray> theirs = sd.output(Map.of("x", x, "label", oneHot(y)), "logits", "loss");
    double[] yd = java.util.Arrays.stream(y).asDoubleStream().toArray();
    Map<String, Tensor> in = Map.of("x", tensor(x), "label", new Tensor(new int[] {N}, yd));
    Map<String, Tensor> out = ours(g, in);
    assertClose(out.get("logits"), theirs.get("logits"), 1e-5);
    assertThat(out.get("loss").data[0]).isCloseTo(theirs.get("loss").getDouble(0), org.assertj.core.data.Offset.offset(1e-5));

    // the weights travel with the graph JSON (as they do to the executors)
    Map<String, Tensor> again = ours(Graph.fromJson(g.toJson()), in);
    assertThat(again.get("logits").data).containsExactly(out.get("logits").data);
  }

  @Test void sameDiffConvNetImportsAndComputesTheSameForward() {
    Nd4j.getRandom().setSeed(5);
    SameDiff sd = SameDiff.create();
    SDVariable x = sd.placeHolder("image", DataType.FLOAT, -1, 2, 6, 6);
    SDVariable y = sd.placeHolder("label", DataType.INT, -1);
    SDVariable c = sd.cnn.conv2d("conv", x, sd.var("cw", randn(3, 3, 2, 4)), sd.var("cb", randn(4)),
        Conv2DConfig.builder().kH(3).kW(3).pH(1).pW(1).build());
    SDVariable r = sd.nn.relu("act", c, 0);
    SDVariable p = sd.cnn.maxPooling2d("pool", r, Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).build());
    SDVariable f = sd.reshape("flat", p, -1, 36);
    SDVariable logits = sd.mmul("logits", f, sd.var("w", randn(36, CLASSES)));
    sd.loss.sparseSoftmaxCrossEntropy("per_sample", logits, y).mean("loss");
    sd.setLossVariables("loss");

    Graph g = SameDiffImport.fromSameDiff(sd);
    assertThat(g.nodeNames()).containsExactly("image", "label", "conv", "act", "pool", "flat", "logits", "per_sample");
    INDArray xs = randn(N, 2, 6, 6);
    int[] yl = labels();
    INDArray ya = Nd4j.createFromArray(yl);
    Map<String, INDArray> theirs = sd.output(Map.of("image", xs, "label", ya), "logits", "loss");
    Map<String, Tensor> out = ours(g, Map.of("image", tensor(xs),
        "label", new Tensor(new int[] {N}, java.util.Arrays.stream(yl).asDoubleStream().toArray())));
    assertClose(out.get("logits"), theirs.get("logits"), 1e-5);
    assertThat(out.get("per_sample").data[0]).isCloseTo(theirs.get("loss").getDouble(0), org.assertj.core.data.Offset.offset(1e-5));
  }

  @Test void embeddingGatherImports() {
    Nd4j.getRandom().setSeed(3);
    SameDiff sd = SameDiff.create();
    SDVariable ids = sd.placeHolder("ids", DataType.INT, -1, 4);
    SDVariable y = sd.placeHolder("label", DataType.INT, -1);
    SDVariable e = sd.gather("emb", sd.var("table", randn(10, 6)), ids, 0);
    SDVariable f = sd.reshape("flat", e, -1, 24);
    SDVariable logits = sd.nn.linear("logits", f, sd.var("w", randn(24, CLASSES)), sd.var("b", randn(CLASSES)));
    sd.loss.sparseSoftmaxCrossEntropy("loss", logits, y);
    Graph g = SameDiffImport.fromSameDiff(sd);
    int[] idv = {1, 9, 0, 3, 3, 2, 7, 5};
    INDArray ia = Nd4j.createFromArray(idv).reshape(2, 4);
    INDArray ya = Nd4j.createFromArray(new int[] {0, 2});
    Map<String, INDArray> theirs = sd.output(Map.of("ids", ia, "label", ya), "logits");
    Map<String, Tensor> out = ours(g, Map.of("ids", new Tensor(new int[] {2, 4},
        java.util.Arrays.stream(idv).asDoubleStream().toArray()), "label", new Tensor(new int[] {2}, new double[] {0, 2})));
    assertClose(out.get("logits"), theirs.get("logits"), 1e-5);
  }

  @Test void unsupportedOpsAreRejectedWithTheirTypeAndName() {
    SameDiff sd = SameDiff.create();
    SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
    SDVariable y = sd.placeHolder("label", DataType.INT, -1);
    SDVariable t = sd.math.tanh("squash", sd.mmul("mm", x, sd.var("w", randn(4, CLASSES))));
    sd.loss.sparseSoftmaxCrossEntropy("loss", t, y);
    String tanhOp = sd.getVariableOutputOp("squash").getOwnName();
    assertThatThrownBy(() -> SameDiffImport.fromSameDiff(sd))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + tanhOp + "'").hasMessageContaining("type tanh").hasMessageContaining("not supported");

    SameDiff sd2 = SameDiff.create();
    SDVariable x2 = sd2.placeHolder("x", DataType.FLOAT, -1, 4);
    SDVariable g = sd2.nn.preciseGelu(sd2.mmul("mm", x2, sd2.var("w", randn(4, CLASSES))));
    sd2.loss.sparseSoftmaxCrossEntropy("loss", g, sd2.placeHolder("label", DataType.INT, -1));
    assertThatThrownBy(() -> SameDiffImport.fromSameDiff(sd2)).hasMessageContaining("'" + sd2.getVariableOutputOp(g.name()).getOwnName() + "'")
        .hasMessageContaining("type precise_gelu").hasMessageContaining("matches neither");
  }

  @Test void sameDiffGeluImportsAsTheSigmoidFormAndComputesTheSameForward() {
    Nd4j.getRandom().setSeed(3);
    SameDiff sd = SameDiff.create();
    SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
    SDVariable y = sd.placeHolder("label", DataType.INT, -1);
    SDVariable h = sd.nn.gelu("h", sd.mmul("mm", x, sd.var("w", randn(4, 8).muli(4))));
    SDVariable logits = sd.nn.linear("logits", h, sd.var("w2", randn(8, CLASSES)), sd.var("b2", randn(CLASSES)));
    sd.loss.sparseSoftmaxCrossEntropy("loss", logits, y);
    Graph g = SameDiffImport.fromSameDiff(sd);
    assertThat(g.toJson()).contains("gelu_sigmoid");

    INDArray xv = randn(N, 4);
    int[] yv = labels();
    INDArray yi = Nd4j.createFromArray(yv);
    Map<String, INDArray> theirs = sd.output(Map.of("x", xv, "label", yi), "logits");
    double[] yd = java.util.Arrays.stream(yv).asDoubleStream().toArray();
    Map<String, Tensor> out = ours(g, Map.of("x", tensor(xv), "label", new Tensor(new int[] {N}, yd)));
    // pre-activations of magnitude ~1-4, where the tanh form would differ by up to ~0.02
    assertClose(out.get("logits"), theirs.get("logits"), 1e-5);
  }

  @Test void savedGraphImportsFromItsFileAndATrainingConfigIsRefused(@TempDir Path dir) throws Exception {
    SameDiff sd = mlp();
    Path file = dir.resolve("mlp.fb");
    sd.save(file.toFile(), false);
    assertThat(SameDiffImport.fromFile(file).toJson()).isEqualTo(SameDiffImport.fromSameDiff(sd).toJson());

    sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-3)).dataSetFeatureMapping("x")
        .dataSetLabelMapping("label").build());
    Path withConfig = dir.resolve("trained.fb");
    sd.save(withConfig.toFile(), false);
    assertThatThrownBy(() -> SameDiffImport.fromFile(withConfig)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training configuration");

    Path junk = dir.resolve("junk.fb");
    Files.write(junk, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SameDiffImport.fromFile(junk)).hasMessageContaining("junk.fb");
  }
}
