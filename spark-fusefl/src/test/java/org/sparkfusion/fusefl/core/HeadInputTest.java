package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused head's input: the concatenation of the branches' final features, or their sum. */
class HeadInputTest {
  private static final ImageShape SHAPE = new ImageShape(1, 6, 6);

  private static SoftmaxHead head(int classes, int dim) {
    SoftmaxHead h = new SoftmaxHead(classes, dim);
    for (int i = 0; i < h.weights.length; i++) {
      h.weights[i] = ((i * 7) % 11) * 0.05f - 0.25f;
    }
    h.bias[1] = 0.3f;
    return h;
  }

  @Test
  void tiledHeadOnConcatenationEqualsHeadOnSum() {
    SoftmaxHead h = head(3, 4);
    SoftmaxHead tiled = SoftmaxHead.tile(h, 2);
    assertThat(tiled.dim()).isEqualTo(8);
    float[] a = {0.1f, 0.5f, -0.2f, 1.0f};
    float[] b = {0.7f, -0.3f, 0.4f, 0.2f};
    float[] sum = new float[4];
    float[] concat = new float[8];
    for (int j = 0; j < 4; j++) {
      sum[j] = a[j] + b[j];
      concat[j] = a[j];
      concat[4 + j] = b[j];
    }
    double[] expected = h.probabilities(sum, 0);
    double[] actual = tiled.probabilities(concat, 0);
    for (int c = 0; c < 3; c++) {
      assertThat(actual[c]).isCloseTo(expected[c], Offset.offset(1e-6));
    }
  }

  @Test
  void concatHeadInputSeesTheBranchesSideBySide() {
    ClientArchitecture arch = ClientArchitecture.mlp4(SHAPE, 3, 1, 1, 0);
    List<MultiLayerNetwork> branches = List.of(arch.branchNetwork(0, 1, false, 1), arch.branchNetwork(0, 1, false, 2));
    FusedNetwork fused = new FusedNetwork(1, 3, Adaptor.CONV1X1, true);
    fused.addStage(branches);
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 6, 6);
    INDArray expected = Nd4j.concat(1, branches.get(0).output(x, false), branches.get(1).output(x, false));
    INDArray features = fused.stageInput(x, 1);
    assertThat(features.shape()).containsExactly(3, 2 * arch.featureDim());
    assertThat(features.equalsWithEps(expected, 1e-6)).isTrue();
  }

  @Test
  void concatHeadInputSurvivesTheModelFiles() {
    ClientArchitecture arch = ClientArchitecture.mlp4(SHAPE, 3, 1, 1, 0);
    FusedNetwork fused = new FusedNetwork(1, 3, Adaptor.CONV1X1, true);
    fused.addStage(List.of(arch.branchNetwork(0, 1, false, 1), arch.branchNetwork(0, 1, false, 2)));
    fused.setHead(head(3, 2 * arch.featureDim()));
    FusedNetwork loaded = (FusedNetwork) PredictorFiles.read(fused.toFiles(), "test");
    assertThat(loaded.concatHeadInput()).isTrue();
    INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 6, 6);
    assertThat(loaded.probabilities(x).equalsWithEps(fused.probabilities(x), 1e-6)).isTrue();
  }

  @Test
  void unknownHeadInputInTheManifestIsNamed() {
    ClientArchitecture arch = ClientArchitecture.mlp4(SHAPE, 3, 1, 1, 0);
    FusedNetwork fused = new FusedNetwork(1, 3, Adaptor.CONV1X1, true);
    fused.addStage(List.of(arch.branchNetwork(0, 1, false, 1), arch.branchNetwork(0, 1, false, 2)));
    fused.setHead(head(3, 2 * arch.featureDim()));
    Map<String, byte[]> files = new java.util.TreeMap<>(fused.toFiles());
    String manifest = new String(files.get(PredictorFiles.MANIFEST), StandardCharsets.UTF_8);
    files.put(PredictorFiles.MANIFEST, manifest.replace("head=concat", "head=max").getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> PredictorFiles.read(files, "model-x"))
        .hasMessageContaining("Bad 'head' value 'max'").hasMessageContaining("model-x");
  }
}
