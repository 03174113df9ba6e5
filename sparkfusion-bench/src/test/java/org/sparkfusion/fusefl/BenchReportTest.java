package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    assertThat(BenchReport.variant(run("", 5, ",\"augment_shift\":2,\"augment_fused_stages\":false")))
        .isEqualTo("cnn+shift2@stage1");
    assertThat(BenchReport.variant(run("", 5, ",\"augment_fused_stages\":false"))).isEqualTo("cnn");
    assertThat(BenchReport.variant(run("", 5, ",\"adaptor_init\":\"own-branch\",\"lr\":0.02")))
        .isEqualTo("cnn+own lr0.02");
    assertThat(BenchReport.variant(run("", 5, ",\"lr\":0.02,\"seed\":3"))).isEqualTo("cnn lr0.02 seed3");
    assertThat(BenchReport.variant(run("", 5, ",\"lr\":0.02"))).isEqualTo("cnn lr0.02");
    assertThat(BenchReport.variant(run("", 5, ",\"lr\":0.01"))).isEqualTo("cnn");
    assertThat(BenchReport.variant(run("", 5, ",\"calibration_epochs\":10"))).isEqualTo("cnn ccvr10");
    assertThat(BenchReport.variant(run("", 5, ",\"calibration_epochs\":5"))).isEqualTo("cnn");
  }

  @Test
  void mainTableListsTheCurrentFilesInOrderAndJudgesTheTarget(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.json"), "{\"dataset\":\"fmnist\",\"clients\":5,\"alpha\":0.3,\"blocks\":2,"
        + "\"backbone\":\"cnn\",\"epochs\":20,\"results\":[{\"method\":\"fusefl\",\"accuracy\":0.8953}]}");
    Files.writeString(dir.resolve("b.json"), "{\"dataset\":\"mnist\",\"clients\":5,\"alpha\":0.1,\"blocks\":4,"
        + "\"backbone\":\"cnn\",\"epochs\":40,\"results\":[{\"method\":\"fusefl\",\"accuracy\":0.96}]}");
    Files.writeString(dir.resolve("ignored.json"), "{\"dataset\":\"mnist\",\"results\":[]}");
    Files.writeString(dir.resolve("CURRENT"), "# main rows\nb.json\n\na.json  # fmnist\n");
    String table = BenchReport.mainTable(dir.resolve("CURRENT").toFile(), new ObjectMapper());
    List<String> rows = table.lines().filter(l -> l.startsWith("| mnist") || l.startsWith("| fmnist")).toList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)).startsWith("| mnist | 4 | 0.1 | cnn | 40 | 96.00 | 97.19 | >= 96.00 | yes |");
    assertThat(rows.get(1)).startsWith("| fmnist | 2 | 0.3 | cnn | 20 | 89.53 | 89.94 | >= 89.94 | **no** |");
    Files.writeString(dir.resolve("CURRENT"), "missing.json\n");
    assertThatThrownBy(() -> BenchReport.mainTable(dir.resolve("CURRENT").toFile(), new ObjectMapper()))
        .hasMessageContaining("missing.json");
  }
}
