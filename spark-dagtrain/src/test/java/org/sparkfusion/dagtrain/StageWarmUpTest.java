package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StageWarmUpTest {
  private static void everyStageWarmsUp(Graph g) {
    int[] cuts = Partition.even(g, 3);
    for (int s = 0; s < 3; s++) {
      assertThat(StageWarmUp.run(g, cuts[s], cuts[s + 1], 4, 7, 0.0, 5)).as("stage %d, no time asked", s).isEqualTo(1);
      assertThat(StageWarmUp.run(g, cuts[s], cuts[s + 1], 4, 7, 60.0, 3)).as("stage %d, pass cap", s).isEqualTo(3);
    }
  }

  @Test void runsEveryStageOfTheGptOnValidRandomInputs() {
    everyStageWarmsUp(Models.gptTiny());
  }

  @Test void runsEveryStageOfTheResnetOnValidRandomInputs() {
    everyStageWarmsUp(Models.resnetSmall());
  }
}
