package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Training until a target loss or a time budget: every stage stops after the same step. */
class StopRuleTest {

  /** The first step (0-based) at which the mean of the last 5 losses is at or below {@code target}, or -1. */
  static int firstTargetStep(List<Double> losses, double target) {
    for (int s = StopRule.WINDOW - 1; s < losses.size(); s++) {
      double sum = 0;
      for (int i = s - StopRule.WINDOW + 1; i <= s; i++) {
        sum += losses.get(i);
      }
      if (sum / StopRule.WINDOW <= target) {
        return s;
      }
    }
    return -1;
  }

  @Test void threeStagePipelineStopsAtTheTargetAsOneProcessWould() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Synthetic data = new Synthetic(10, 4, 8, 5);
    TrainOptions o = Synthetic.options(40);
    List<LinkCompression> none = List.of(LinkCompression.none(), LinkCompression.none());
    int[] cuts = {0, 4, 8, g.size()};
    TrainResult full = InProcessPipeline.train(g, cuts, o, data, none, null);
    // a target the run reaches part-way: the mean of the last 5 losses at step 14
    double target = 0;
    for (int i = 10; i <= 14; i++) {
      target += full.losses().get(i) / StopRule.WINDOW;
    }
    int expectedLast = firstTargetStep(full.losses(), target);
    assertThat(expectedLast).isBetween(StopRule.WINDOW - 1, 14);

    TrainResult stopped = InProcessPipeline.train(g, cuts, o, data, none, null, new StopRule(target, 0));
    assertThat(stopped.stopReason()).isEqualTo(StopRule.Reason.TARGET);
    assertThat(stopped.losses()).isEqualTo(full.losses().subList(0, expectedLast + 1));
    // every stage applied exactly those steps: the weights equal a run limited to that many steps
    TrainResult limited = InProcessPipeline.train(g, cuts, o.withSteps(expectedLast + 1), data, none, null);
    assertThat(limited.stopReason()).isEqualTo(StopRule.Reason.STEPS);
    assertThat(stopped.weights().values.keySet()).isEqualTo(limited.weights().values.keySet());
    for (String node : limited.weights().values.keySet()) {
      assertThat(stopped.weights().values.get(node)).as(node).isDeepEqualTo(limited.weights().values.get(node));
    }
    // one process under the same rule stops at the same step
    TrainResult single = InProcessPipeline.train(g, new int[] {0, g.size()}, o, data, List.of(), null,
        new StopRule(target, 0));
    assertThat(single.losses()).isEqualTo(stopped.losses());
  }

  @Test void unreachedTargetRunsAllStepsAndBudgetStopsEarly() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Synthetic data = new Synthetic(10, 4, 8, 5);
    List<LinkCompression> one = List.of(LinkCompression.none());
    int[] cuts = {0, 6, g.size()};
    TrainResult unreached = InProcessPipeline.train(g, cuts, Synthetic.options(12), data, one, null,
        new StopRule(-1, 0));
    assertThat(unreached.losses()).hasSize(12);
    assertThat(unreached.stopReason()).isEqualTo(StopRule.Reason.STEPS);
    // a budget far below the time of 100000 steps: stops after the step that crosses it
    TrainResult budget = InProcessPipeline.train(g, cuts, Synthetic.options(100_000), data, one, null,
        new StopRule(Double.NaN, 0.3));
    assertThat(budget.stopReason()).isEqualTo(StopRule.Reason.BUDGET);
    assertThat(budget.losses().size()).isBetween(1, 99_999);
    assertThat(budget.elapsedSeconds().get(budget.losses().size() - 1)).isGreaterThanOrEqualTo(0.3);
    if (budget.losses().size() > 1) {
      assertThat(budget.elapsedSeconds().get(budget.losses().size() - 2)).isLessThan(0.3 + 0.05);
    }
  }

  @Test void badRulesAreRefused() {
    assertThatThrownBy(() -> new StopRule(Double.POSITIVE_INFINITY, 0)).hasMessageContaining("target loss");
    assertThatThrownBy(() -> new StopRule(Double.NaN, -1)).hasMessageContaining("time budget");
    assertThatThrownBy(() -> new DagTrainer(Synthetic.model(10, 4, 16)).maxSeconds(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DagTrainJob.parse("--model", "gpt-tiny", "--stages", "2", "--steps", "3",
        "--max-seconds", "0")).hasMessageContaining("--max-seconds");
  }
}
