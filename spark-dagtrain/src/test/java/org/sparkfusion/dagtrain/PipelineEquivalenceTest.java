package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineEquivalenceTest {

  @Test void threeStagePipelineMatchesSingleProcessStepForStep() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Synthetic data = new Synthetic(10, 4, 8, 5);
    TrainOptions o = Synthetic.options(8);
    TrainResult single = InProcessPipeline.train(g, new int[] {0, g.size()}, o, data, List.of(), null);
    int[] cuts = {0, 4, 8, g.size()};
    TrainResult piped = InProcessPipeline.train(g, cuts, o, data,
        List.of(LinkCompression.none(), LinkCompression.none()), null);
    assertThat(piped.losses()).hasSize(8);
    for (int s = 0; s < 8; s++) {
      double a = single.losses().get(s);
      double b = piped.losses().get(s);
      assertThat(Math.abs(a - b)).as("step %d: %s vs %s", s, a, b).isLessThanOrEqualTo(1e-5 * Math.abs(a));
    }
    assertThat(piped.losses()).isEqualTo(single.losses());
  }

  @Test void gptPipelineMatchesSingleProcess() throws Exception {
    Graph g = Models.gptTiny(8, 8, 2, 2, 0.1);
    CharCorpus data = new CharCorpus(CharCorpus.encode("the quick brown fox jumps over the lazy dog\n".repeat(20)), 8, 2, 3);
    TrainOptions o = new TrainOptions(4, 2, 2, "sgd", 0.05, 3, 30_000, 0);
    TrainResult single = InProcessPipeline.train(g, new int[] {0, g.size()}, o, data, List.of(), null);
    TrainResult piped = InProcessPipeline.train(g, new int[] {0, 9, g.size()}, o, data, List.of(LinkCompression.none()), null);
    for (int s = 0; s < 4; s++) {
      assertThat(piped.losses().get(s)).isCloseTo(single.losses().get(s),
          org.assertj.core.data.Offset.offset(1e-5 * single.losses().get(s)));
    }
    assertThat(piped.losses()).isEqualTo(single.losses());
  }

  /**
   * A conv net (batch norm, ReLU, residual add, max pooling) on readings with a large common offset, like
   * temperatures in kelvin: 290 K plus a warm spot, labelled by the quadrant the spot is in. The first stage is the
   * stem convolution, so its output crosses the first cut at ~150 with a spread of ~1, and the batch norm behind the
   * cut magnifies anything lost there about 100-fold; ReLU signs and pooling argmaxes then amplify it further. The
   * second stage reads the cut tensor twice (two batch norms), so its gradient crosses the cut as a partial sum.
   * With compression off the pipeline must still agree with one process at every step.
   */
  @Test void convPipelineMatchesSingleProcessStepForStep() throws Exception {
    Graph g = offsetConvNet();
    MicroBatchSource data = new WarmSpots(10, 8, 3);
    TrainOptions o = new TrainOptions(15, 4, 8, "adam", 0.02, 5, 30_000, 0);
    TrainResult single = InProcessPipeline.train(g, new int[] {0, g.size()}, o, data, List.of(), null);
    int[] cuts = {0, g.nodes().indexOf(g.node("stem_conv")) + 1, g.nodes().indexOf(g.node("pool")) + 1, g.size()};
    TrainResult piped = InProcessPipeline.train(g, cuts, o, data,
        List.of(LinkCompression.none(), LinkCompression.none()), null);
    for (int s = 0; s < o.steps(); s++) {
      double a = single.losses().get(s);
      double b = piped.losses().get(s);
      assertThat(Math.abs(a - b)).as("step %d: %s vs %s", s, a, b).isLessThanOrEqualTo(1e-5 * Math.abs(a));
    }
    // Every edge holds float32 in both runs and float32 partial sums cross the cuts, so they are in fact bit-equal.
    assertThat(piped.losses()).isEqualTo(single.losses());
    assertThat(piped.finalLoss()).isLessThan(0.5 * piped.losses().get(0));
  }

  static Graph offsetConvNet() {
    GraphBuilder b = new GraphBuilder();
    String image = b.input("image", DType.FLOAT, 1, 10, 10);
    String label = b.input("label", DType.INT);
    String stem = b.conv2d("stem_conv", image, 4, 3, 1, 0);
    String x = b.relu("stem_relu", b.batchNorm("stem_bn", stem));
    String skip = b.batchNorm("skip_bn", stem);
    String h = b.batchNorm("bn1", b.conv2d("conv1", x, 4, 3, 1, 1));
    x = b.maxPool("pool", b.relu("relu1", b.add("add", b.add("add_skip", x, skip), h)), 2, 2);
    x = b.relu("relu2", b.conv2d("conv2", x, 8, 3, 1, 1));
    b.softmaxCrossEntropy("loss", b.linear("fc", b.flatten("flat", x), 4), label);
    return b.build();
  }

  /** side x side readings of 290 K plus a warm spot of 1-3 K and 0.2 K noise; the label is the spot's quadrant. */
  record WarmSpots(int side, int batch, long seed) implements MicroBatchSource {
    @Override
    public java.util.Map<String, Tensor> microBatch(int step, int micro) {
      java.util.SplittableRandom r = new java.util.SplittableRandom(Seeds.mix(Seeds.mix(seed, step), micro));
      Tensor image = Tensor.zeros(batch, 1, side, side);
      Tensor label = Tensor.zeros(batch);
      for (int i = 0; i < batch; i++) {
        int cy = r.nextInt(side);
        int cx = r.nextInt(side);
        double heat = r.nextDouble(0.01, 0.03);
        for (int y = 0; y < side; y++) {
          for (int x = 0; x < side; x++) {
            double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
            image.data[(i * side + y) * side + x] = 290 + heat * Math.exp(-d2 / 4) + r.nextDouble(-0.002, 0.002);
          }
        }
        label.data[i] = (cy < side / 2 ? 0 : 2) + (cx < side / 2 ? 0 : 1);
      }
      return java.util.Map.of("image", image, "label", label);
    }
  }

  @Test void lossFallsOnTheSyntheticTask() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    TrainResult r = InProcessPipeline.train(g, new int[] {0, 5, g.size()}, Synthetic.options(40),
        new Synthetic(10, 4, 8, 5), List.of(LinkCompression.none()), null);
    double first = r.losses().subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double last = r.losses().subList(35, 40).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertThat(last).isLessThan(0.7 * first);
  }

  @Test void topKPipelineStillLearnsAndSendsFewerBytes() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Synthetic data = new Synthetic(10, 4, 8, 5);
    int[] cuts = {0, 5, g.size()};
    TrainResult dense = InProcessPipeline.train(g, cuts, Synthetic.options(30), data, List.of(LinkCompression.none()), null);
    TrainResult sparse = InProcessPipeline.train(g, cuts, Synthetic.options(30), data,
        List.of(LinkCompression.fixed(Compression.parse("topk:0.3"), false)), null);
    assertThat(sparse.links().get(0).bytes()).isLessThan(dense.links().get(0).bytes() / 2);
    assertThat(sparse.finalLoss()).isLessThan(sparse.losses().get(0));
  }
}
