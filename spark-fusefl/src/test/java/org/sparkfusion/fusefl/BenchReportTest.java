package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {
  private static JsonNode run(String label, int m, String augment) throws Exception {
    return new ObjectMapper().readTree("{\"dataset\":\"mnist\",\"clients\":" + m + ",\"alpha\":0.5,\"blocks\":2,"
        + "\"backbone\":\"cnn\",\"label\":\"" + label + "\"" + augment + ",\"results\":[{\"method\":\"fusefl\"}]}");
  }

  @Test
  void scaleRowsAreOrderedByNumberOfClientsNotFileName() throws Exception {
    // file-name order: scale-mnist-M10, scale-mnist-M20, scale-mnist-M5
    List<JsonNode> all = new ArrayList<>(List.of(run("scale", 10, ""), run("scale", 20, ""), run("scale", 5, ""),
        run("", 5, ""), run("scale", 5, ",\"augment_flip\":true")));
    List<Integer> ms = new ArrayList<>();
    List<String> variants = new ArrayList<>();
    for (JsonNode r : BenchReport.scaleRuns(all)) {
      ms.add(r.path("clients").asInt());
      variants.add(BenchReport.variant(r));
    }
    assertThat(ms).containsExactly(5, 10, 20, 5);
    assertThat(variants).containsExactly("cnn", "cnn", "cnn", "cnn+flip");
  }

  @Test
  void variantNamesTheAugmentationAndSchedule() throws Exception {
    assertThat(BenchReport.variant(run("", 5, ",\"augment_shift\":1,\"augment_flip\":true,\"lr_schedule\":\"cosine\"")))
        .isEqualTo("cnn+shift1+flip+cos");
    assertThat(BenchReport.variant(run("", 5, ",\"lr\":0.02"))).isEqualTo("cnn lr0.02");
    assertThat(BenchReport.variant(run("", 5, ",\"lr\":0.01"))).isEqualTo("cnn");
  }
}
