package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;

class DlrmPartitionJobTest {

  @Test
  void writesTheJsonReport() throws Exception {
    Path json = TestDirs.newDir("partition").resolve("report.json");
    String text = DlrmPartitionJob.run(new String[] {"--tables", "20000x16,5000x16,300x16", "--trace", "zipf:1.05",
        "--dpus", "32", "--strategy", "cache-aware", "--batches", "8", "--batch-size", "64", "--json", json.toString()});
    assertThat(text).contains("MODELED batch latency");
    JsonNode n = new ObjectMapper().readTree(Files.readString(json));
    assertThat(n.get("strategy").asText()).isEqualTo("cache-aware");
    assertThat(n.get("dpus").asInt()).isEqualTo(32);
    assertThat(n.get("max_mean_load").asDouble()).isGreaterThanOrEqualTo(1.0);
    assertThat(n.get("cache_hit_rate").asDouble()).isBetween(0.0, 1.0);
    assertThat(n.get("modeled_batch_latency_us").asDouble()).isPositive();
    assertThat(n.get("per_dpu")).hasSize(32);
    long lookups = 0;
    for (JsonNode d : n.get("per_dpu")) {
      lookups += d.get("lookups").asLong();
    }
    assertThat(lookups).isPositive();
  }

  @Test
  void readsTableShapesFromADlrmModelAndATraceFile() throws Exception {
    Path trace = TestDirs.newDir("trace").resolve("trace.tsv");
    Files.writeString(trace, "# table0\ttable1\ttable2\n1,2\t3\t\n4\t5,6\t4\n0\t0\t0\n");
    String model = DlrmFixtureTest.fixture("dot_npy").toString();
    String text = DlrmPartitionJob.run(new String[] {"--model", model, "--trace", trace.toString(), "--dpus", "4",
        "--strategy", "balanced", "--batch-size", "1", "--profile-batches", "1"});
    assertThat(text).contains("3 tables").contains("2 evaluated batches");
  }

  @Test
  void badInputIsNamed() {
    assertThatThrownBy(() -> DlrmPartitionJob.run(new String[] {"--tables", "10x4", "--trace", "zipf:1", "--dpus",
        "4", "--strategy", "random"})).hasMessageContaining("unknown strategy 'random'");
    assertThatThrownBy(() -> DlrmPartitionJob.run(new String[] {"--tables", "10x4", "--trace", "zipf:x", "--dpus",
        "4", "--strategy", "uniform"})).hasMessageContaining("expected zipf:<exponent>");
    assertThatThrownBy(() -> DlrmPartitionJob.run(new String[] {"--tables", "10x4", "--trace", "zipf:1", "--strategy",
        "uniform"})).hasMessageContaining("--dpus must be a positive number");
    for (String bad : new String[] {"zipf:NaN", "zipf:-1", "zipf:0", "zipf:Infinity"}) {
      assertThatThrownBy(() -> DlrmPartitionJob.run(new String[] {"--tables", "10x4", "--trace", bad, "--dpus", "4",
          "--strategy", "uniform"})).as(bad).hasMessageContaining("--trace " + bad);
    }
    assertThatThrownBy(() -> DlrmPartitionJob.run(new String[] {"--tables", "10x4", "--trace", "zipf:1", "--dpus", "4",
        "--strategy", "uniform", "--bogus", "1"})).hasMessageContaining("--bogus");
  }

  @Test
  void traceIdsOutsideTheTableAreRejectedWithLineAndTable() throws Exception {
    Path trace = TestDirs.newDir("trace").resolve("bad.tsv");
    Files.writeString(trace, "1\t2\n3\t99\n");
    assertThatThrownBy(() -> DlrmPartitionJob.run(new String[] {"--tables", "10x4,10x4", "--trace", trace.toString(),
        "--dpus", "2", "--strategy", "uniform", "--batch-size", "1", "--profile-batches", "1"}))
        .hasMessageContaining("line 2 table 1: row id 99 outside [0, 10)");
  }
}
