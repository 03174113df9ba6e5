package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkfusion.common.test.TestDirs;
import org.sparkfusion.dlrm.core.DlrmNetwork;
import org.sparkfusion.dlrm.core.DlrmScorer;
import org.sparkfusion.dlrm.core.Interaction;
import org.sparkfusion.dlrm.embedding.CpuBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;

/** upmem-emu scores equal the CPU backend's (and PyTorch's) on the DLRM module's committed fixtures. */
class DlrmFixtureTest {

  static Path fixture(String name) {
    return TestDirs.projectRoot().resolve("spark-dlrm/src/test/resources/fixtures").resolve(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"uniform", "balanced", "cache-aware"})
  void ctrMatchesTheCpuBackendWithinFixedPointError(String strategy) throws Exception {
    DlrmNetwork net = DlrmNetwork.fromStateDict("dot_checkpoint.pt",
        org.sparkfusion.dlrm.checkpoint.ModelFiles.read(fixture("dot_checkpoint.pt").toString(), new Configuration()),
        Interaction.DOT, false);
    Map<String, String> conf = Map.of(UpmemConfig.DPUS_PER_RANK.key(), "4", UpmemConfig.STRATEGY.key(), strategy,
        UpmemConfig.PROFILE_BATCHES.key(), "1");
    List<String> lines = Files.readAllLines(fixture("dot_rows.jsonl"));
    ObjectMapper json = new ObjectMapper();
    try (EmbeddingBackend cpu = new CpuBackendProvider().open(net.tables(), conf, List.of());
        EmbeddingBackend emu = new UpmemEmuBackendProvider().open(net.tables(), conf, List.of("0"))) {
      DlrmScorer onCpu = new DlrmScorer(net, cpu, false);
      DlrmScorer onEmu = new DlrmScorer(net, emu, false);
      for (int round = 0; round < 2; round++) { // the second round runs on the re-partitioned tables
        DlrmScorer.Batch a = onCpu.newBatch(lines.size());
        DlrmScorer.Batch b = onEmu.newBatch(lines.size());
        double[] expected = new double[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
          JsonNode n = json.readTree(lines.get(i));
          float[] dense = new float[n.get("dense").size()];
          for (int k = 0; k < dense.length; k++) {
            dense[k] = (float) n.get("dense").get(k).asDouble();
          }
          long[][] sparse = new long[n.get("sparse").size()][];
          for (int t = 0; t < sparse.length; t++) {
            sparse[t] = new long[n.get("sparse").get(t).size()];
            for (int k = 0; k < sparse[t].length; k++) {
              sparse[t][k] = n.get("sparse").get(t).get(k).asLong();
            }
          }
          a.add(dense, sparse, "fixture row " + i);
          b.add(dense, sparse, "fixture row " + i);
          expected[i] = n.get("expected").asDouble();
        }
        float[] cpuCtr = onCpu.score(a);
        float[] emuCtr = onEmu.score(b);
        assertThat(emuCtr).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) {
          assertThat((double) Math.abs(emuCtr[i] - cpuCtr[i])).as("row %d: |ctr(upmem-emu) - ctr(cpu)|", i).isLessThanOrEqualTo(1e-4);
          assertThat(Math.abs(emuCtr[i] - expected[i])).as("row %d vs PyTorch", i).isLessThanOrEqualTo(1e-4);
        }
      }
    }
  }
}
