package org.sparkfusion.dlrm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkfusion.dlrm.Fixtures;
import org.sparkfusion.dlrm.checkpoint.CheckpointFormatException;
import org.sparkfusion.dlrm.checkpoint.ModelFiles;
import org.sparkfusion.dlrm.checkpoint.Tensor;
import org.sparkfusion.dlrm.embedding.CpuBackendProvider;

class DlrmNetworkTest {

  static DlrmNetwork load(String fixture, Interaction interaction, boolean self) {
    return DlrmNetwork.fromStateDict(fixture,
        ModelFiles.read(Fixtures.path(fixture).toString(), new Configuration()), interaction, self);
  }

  static void assertMatchesTorch(DlrmNetwork net, String rowsFixture) {
    DlrmScorer scorer = new DlrmScorer(net, new CpuBackendProvider().open(net.tables(), Map.of(), List.of()), false);
    List<Fixtures.Row> rows = Fixtures.rows(rowsFixture);
    DlrmScorer.Batch batch = scorer.newBatch(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      batch.add(rows.get(i).dense(), rows.get(i).sparse(), "row " + i);
    }
    float[] ctr = scorer.score(batch);
    for (int i = 0; i < rows.size(); i++) {
      assertThat((double) ctr[i]).as("row %d", i).isCloseTo(rows.get(i).expected(), within(1e-5));
    }
  }

  @Test
  void dotModelFromCheckpointMatchesPyTorch() {
    assertMatchesTorch(load("dot_checkpoint.pt", Interaction.DOT, false), "dot_rows.jsonl");
  }

  @Test
  void dotModelFromNpyDirectoryMatchesPyTorch() {
    assertMatchesTorch(load("dot_npy", Interaction.DOT, false), "dot_rows.jsonl");
  }

  @Test
  void selfInteractionModelMatchesPyTorch() {
    assertMatchesTorch(load("dotself_state_dict.pt", Interaction.DOT, true), "dotself_rows.jsonl");
  }

  @Test
  void catModelMatchesPyTorch() {
    assertMatchesTorch(load("cat_state_dict.pt", Interaction.CAT, false), "cat_rows.jsonl");
  }

  @Test
  void architectureIsInferredFromTheTensors() {
    DlrmNetwork net = load("dot_state_dict.pt", Interaction.DOT, false);
    assertThat(net.describe()).isEqualTo("dense 4, bottom 4-8-4, 3 tables (dim 4, 22 rows), dot, top 10-8-4-1");
  }

  @Test
  void wrongInteractionIsReportedWithTheTopLayerAndTheSizesThatWouldFit() {
    assertThatThrownBy(() -> load("dotself_state_dict.pt", Interaction.DOT, false))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("top_l.0.weight takes 13 inputs")
        .hasMessageContaining("dot with self-interaction 13");
  }

  @Test
  void inconsistentLayerShapesNameTheTensor() {
    Map<String, Tensor> sd = new LinkedHashMap<>(
        ModelFiles.read(Fixtures.path("dot_state_dict.pt").toString(), new Configuration()));
    sd.put("bot_l.2.weight", new Tensor("bot_l.2.weight", new long[] {4, 5}, new float[20]));
    assertThatThrownBy(() -> DlrmNetwork.fromStateDict("m", sd, Interaction.DOT, false))
        .hasMessageContaining("bot_l.2.weight takes 5 inputs but bot_l.0.weight outputs 8");
  }

  @Test
  void embeddingTablesWithDifferentDimsNameTheTensor() {
    Map<String, Tensor> sd = new LinkedHashMap<>(
        ModelFiles.read(Fixtures.path("dot_state_dict.pt").toString(), new Configuration()));
    sd.put("emb_l.2.weight", new Tensor("emb_l.2.weight", new long[] {5, 3}, new float[15]));
    assertThatThrownBy(() -> DlrmNetwork.fromStateDict("m", sd, Interaction.DOT, false))
        .hasMessageContaining("emb_l.2.weight has dim 3");
  }

  @Test
  void unknownTensorIsNamed() {
    Map<String, Tensor> sd = new LinkedHashMap<>(
        ModelFiles.read(Fixtures.path("dot_state_dict.pt").toString(), new Configuration()));
    sd.put("emb_l.0.weight_q", new Tensor("emb_l.0.weight_q", new long[] {1}, new float[1]));
    assertThatThrownBy(() -> DlrmNetwork.fromStateDict("m", sd, Interaction.DOT, false))
        .hasMessageContaining("emb_l.0.weight_q is not part of a supported DLRM");
  }
}
