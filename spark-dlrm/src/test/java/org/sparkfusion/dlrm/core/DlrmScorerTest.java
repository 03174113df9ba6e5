package org.sparkfusion.dlrm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkfusion.dlrm.embedding.CpuBackendProvider;

class DlrmScorerTest {
  private final DlrmNetwork net = DlrmNetworkTest.load("dot_state_dict.pt", Interaction.DOT, false);

  private DlrmScorer scorer(boolean hash) {
    return new DlrmScorer(net, new CpuBackendProvider().open(net.tables(), Map.of(), List.of()), hash);
  }

  private static float[] dense() {
    return new float[] {1f, 2f, 3f, 4f};
  }

  @Test
  void outOfRangeIdFailsNamingFeatureTableAndId() {
    DlrmScorer.Batch b = scorer(false).newBatch(2);
    assertThatThrownBy(() -> b.add(dense(), new long[][] {{1}, {7}, {0}}, "row 5"))
        .hasMessageContaining("sparse feature 1 (embedding table 1, 7 rows): id 7 is out of range [0, 7) in row 5");
  }

  @Test
  void hashModeMapsIdsModuloTheTableSize() {
    DlrmScorer s = scorer(true);
    DlrmScorer.Batch b = s.newBatch(2);
    b.add(dense(), new long[][] {{11, -1}, {7 + 3}, {5}}, "row 0");
    b.add(dense(), new long[][] {{1, 9}, {3}, {0}}, "row 1");
    float[] ctr = s.score(b);
    assertThat(ctr[0]).isEqualTo(ctr[1]);
  }

  @Test
  void wrongDenseCountNamesTheColumn() {
    DlrmScorer.Batch b = scorer(false).newBatch(1);
    assertThatThrownBy(() -> b.add(new float[3], new long[][] {{1}, {1}, {1}}, "row 2"))
        .hasMessageContaining("dense: the model expects 4 dense features but row 2 has 3");
  }

  @Test
  void wrongSparseCountNamesTheColumn() {
    DlrmScorer.Batch b = scorer(false).newBatch(1);
    assertThatThrownBy(() -> b.add(dense(), new long[][] {{1}, {1}}, "row 2"))
        .hasMessageContaining("sparse: the model expects 3 sparse features");
  }

  @Test
  void scoresDoNotDependOnHowRowsAreBatched() {
    DlrmScorer s = scorer(false);
    DlrmScorer.Batch all = s.newBatch(5);
    float[][] singles = new float[5][];
    for (int i = 0; i < 5; i++) {
      long[][] bags = {{i % 10}, {}, {i % 5, (i + 1) % 5}};
      float[] d = {i, 0.5f * i, 1f, -1f};
      all.add(d, bags, "row " + i);
      DlrmScorer.Batch one = s.newBatch(1);
      one.add(d, bags, "row " + i);
      singles[i] = s.score(one);
    }
    float[] batched = s.score(all);
    for (int i = 0; i < 5; i++) {
      assertThat(batched[i]).isEqualTo(singles[i][0]);
    }
  }
}
