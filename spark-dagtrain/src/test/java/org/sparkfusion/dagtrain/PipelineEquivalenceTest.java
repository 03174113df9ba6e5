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
        List.of(LinkCompression.fixed("topk:0.3", false)), null);
    assertThat(sparse.links().get(0).bytes()).isLessThan(dense.links().get(0).bytes() / 2);
    assertThat(sparse.finalLoss()).isLessThan(sparse.losses().get(0));
  }
}
