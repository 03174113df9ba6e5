package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleTest {
  private static final List<LinkCompression> NONE = List.of(LinkCompression.none(), LinkCompression.none());

  private static TrainOptions options(int steps, int microBatches, Schedule schedule) {
    return new TrainOptions(steps, microBatches, 8, "adam", 0.01, 11, 30_000, 0, schedule);
  }

  @Test void oneFOneBTrainsExactlyLikeGPipeAndHoldsFewerMicroBatches() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Synthetic data = new Synthetic(10, 4, 8, 5);
    int[] cuts = {0, 4, 8, g.size()};
    int micro = 5;
    TrainResult gpipe = InProcessPipeline.train(g, cuts, options(6, micro, Schedule.GPIPE), data, NONE, null);
    TrainResult ofob = InProcessPipeline.train(g, cuts, options(6, micro, Schedule.ONE_F_ONE_B), data, NONE, null);
    TrainResult single = InProcessPipeline.train(g, new int[] {0, g.size()}, options(6, micro, Schedule.GPIPE), data,
        List.of(), null);
    for (int s = 0; s < 6; s++) {
      double a = gpipe.losses().get(s);
      assertThat(Math.abs(ofob.losses().get(s) - a)).as("step %d", s).isLessThanOrEqualTo(1e-5 * Math.abs(a));
      assertThat(Math.abs(single.losses().get(s) - a)).as("step %d", s).isLessThanOrEqualTo(1e-5 * Math.abs(a));
    }
    assertThat(gpipe.losses().get(5)).isLessThan(gpipe.losses().get(0));
    // GPipe holds every micro-batch on every stage; 1F1B at most stages - stage
    assertThat(gpipe.peakInFlight()).containsExactly(micro, micro, micro);
    assertThat(ofob.peakInFlight()).containsExactly(3, 2, 1);
    for (int s = 0; s < 3; s++) {
      assertThat(ofob.peakInFlight()[s]).isEqualTo(Schedule.ONE_F_ONE_B.maxInFlight(s, 3, micro));
      assertThat(ofob.peakInFlightBytes()[s]).isLessThan(gpipe.peakInFlightBytes()[s]);
    }
  }

  @Test void fewerMicroBatchesThanStagesStillMatch() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    Synthetic data = new Synthetic(10, 4, 8, 5);
    int[] cuts = {0, 4, 8, g.size()};
    TrainResult gpipe = InProcessPipeline.train(g, cuts, options(3, 2, Schedule.GPIPE), data, NONE, null);
    TrainResult ofob = InProcessPipeline.train(g, cuts, options(3, 2, Schedule.ONE_F_ONE_B), data, NONE, null);
    for (int s = 0; s < 3; s++) {
      assertThat(ofob.losses().get(s)).isCloseTo(gpipe.losses().get(s),
          org.assertj.core.data.Offset.offset(1e-5 * gpipe.losses().get(s)));
    }
    assertThat(ofob.peakInFlight()).containsExactly(2, 2, 1);
  }

  @Test void scheduleNamesAndThePredictedPicture(@TempDir Path dir) throws Exception {
    assertThat(Schedule.parse("1F1B")).isEqualTo(Schedule.ONE_F_ONE_B);
    assertThatThrownBy(() -> Schedule.parse("pipedream")).hasMessageContaining("'pipedream'")
        .hasMessageContaining("gpipe or 1f1b");
    assertThatThrownBy(() -> new DagTrainer(Synthetic.model(10, 4, 16)).schedule("interleaved"))
        .hasMessageContaining("interleaved");
    Plan p = Plan.plan(Synthetic.model(10, 4, 16), ClusterProfile.uniform(3, 20e6, 0.001, 1L << 30), "even", "none",
        6, 8, 1e9);
    for (String s : List.of("gpipe", "1f1b")) {
      Path png = dir.resolve(s + ".png");
      p.writeSchedulePng(png, s);
      assertThat(Files.size(png)).isGreaterThan(1000);
    }
  }
}
