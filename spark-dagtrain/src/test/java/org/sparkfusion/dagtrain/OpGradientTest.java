package org.sparkfusion.dagtrain;

import org.junit.jupiter.api.Test;

class OpGradientTest {
  private static TensorType f(int... shape) {
    return new TensorType(DType.FLOAT, shape);
  }

  private static TensorType i(int... shape) {
    return new TensorType(DType.INT, shape);
  }

  @Test void linearBackwardMatchesFiniteDifferences() {
    GradCheck.check(new LinearOp(5, 3), 2, f(4, 5));
    GradCheck.check(new LinearOp(5, 3), 1, f(3, 5)); // fewer rows than a block of four: the remainder loops
  }

  @Test void conv2dBackwardMatchesFiniteDifferences() {
    GradCheck.check(new Conv2dOp(2, 3, 3, 2, 1), 2, f(2, 5, 5));
  }

  @Test void maxPoolBackwardMatchesFiniteDifferences() {
    GradCheck.check(new MaxPoolOp(2, 2), 2, f(2, 4, 4));
  }

  @Test void globalAvgPoolBackwardMatchesFiniteDifferences() {
    GradCheck.check(new GlobalAvgPoolOp(), 2, f(3, 3, 2));
  }

  @Test void batchNormOverChannelsBackwardMatchesFiniteDifferences() {
    GradCheck.check(new NormOp(NormOp.Kind.BATCH, 3), 3, f(3, 2, 2));
  }

  @Test void batchNormOverFeaturesBackwardMatchesFiniteDifferences() {
    GradCheck.check(new NormOp(NormOp.Kind.BATCH, 4), 5, f(4));
  }

  @Test void layerNormBackwardMatchesFiniteDifferences() {
    GradCheck.check(new NormOp(NormOp.Kind.LAYER, 6), 2, f(3, 6));
  }

  @Test void embeddingBackwardMatchesFiniteDifferences() {
    GradCheck.check(new EmbeddingOp(7, 4), 2, i(5));
  }

  @Test void positionEmbeddingBackwardMatchesFiniteDifferences() {
    GradCheck.check(new PositionEmbeddingOp(3, 4), 2, f(3, 4));
  }

  @Test void causalSelfAttentionBackwardMatchesFiniteDifferences() {
    GradCheck.check(new CausalSelfAttentionOp(4, 2), 2, f(3, 4));
    GradCheck.check(new CausalSelfAttentionOp(6, 3), 3, f(5, 6));
  }

  @Test void reluBackwardMatchesFiniteDifferences() {
    GradCheck.check(new ActivationOp(ActivationOp.Kind.RELU), 2, f(7));
  }

  @Test void geluBackwardMatchesFiniteDifferences() {
    GradCheck.check(new ActivationOp(ActivationOp.Kind.GELU), 2, f(7));
  }

  @Test void sigmoidGeluBackwardMatchesFiniteDifferences() {
    GradCheck.check(new ActivationOp(ActivationOp.Kind.GELU_SIGMOID), 2, f(7));
  }

  @Test void addBackwardMatchesFiniteDifferences() {
    GradCheck.check(new AddOp(), 2, f(3, 2), f(3, 2));
  }

  @Test void dropoutBackwardMatchesFiniteDifferences() {
    GradCheck.check(new DropoutOp(0.3), 2, f(10));
  }

  @Test void flattenBackwardMatchesFiniteDifferences() {
    GradCheck.check(new FlattenOp(), 2, f(2, 3, 2));
  }

  @Test void softmaxCrossEntropyBackwardMatchesFiniteDifferences() {
    GradCheck.check(new SoftmaxCrossEntropyOp(), 3, f(4, 5), i(4));
  }

  @Test void fastTanhAgreesWithMathTanh() {
    for (double u = -30; u <= 30; u += 0.00137) {
      org.junit.jupiter.api.Assertions.assertEquals(Math.tanh(u), ActivationOp.tanh(u), 1e-15 + 4e-16 * Math.abs(Math.tanh(u)) * 8,
          "tanh(" + u + ")");
    }
  }
}
