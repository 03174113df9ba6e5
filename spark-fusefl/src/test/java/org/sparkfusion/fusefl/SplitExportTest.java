package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.TestDirs;
import org.sparkfusion.fusefl.core.DirichletSplit;

/** {@code fusefl --export-split}: the exported split is the one the job's client frame holds, row for row. */
@ExtendWith(LocalSpark.class)
class SplitExportTest {
  static final String FMNIST = FuseFLJob.FMNIST_DIR;

  /** The first {@code n} labels of an IDX label file (gzipped), read here without Spark. */
  static int[] fileLabels(String path, int n) throws Exception {
    try (InputStream raw = Files.newInputStream(Path.of(path));
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
      assertThat(in.readInt()).isEqualTo(0x801);
      assertThat(in.readInt()).isGreaterThanOrEqualTo(n);
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = in.readUnsignedByte();
      }
      return labels;
    }
  }

  @Test
  void sha256IsOfTheCommaJoinedClients() {
    // Python: hashlib.sha256(b"0,3,1").hexdigest()
    assertThat(SplitExport.sha256(new int[] {0, 3, 1}))
        .isEqualTo("ade1ba031df93eb0a280b3ce86a3b38c2a05b1b2a8386175bd83026f49859ea7");
    assertThat(SplitExport.sha256(new int[] {0, 3, 2})).isNotEqualTo(SplitExport.sha256(new int[] {0, 3, 1}));
  }

  @Test
  void splitOnlyNeedsAFile() {
    assertThatThrownBy(() -> FuseFLJob.parse("--dataset", "fmnist", "--split-only"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("fusefl: --split-only needs --export-split <file>");
    FuseFLJob.Options o = FuseFLJob.parse("--dataset", "fmnist", "--split-only", "--export-split", "s.json");
    assertThat(o.splitOnly).isTrue();
    assertThat(o.exportSplit).isEqualTo("s.json");
    assertThat(FuseFLJob.parse("--dataset", "fmnist").exportSplit).isNull();
  }

  @Test
  void exportedSplitIsTheFileOrderAndTheJobsClientFrame(SparkSession spark) throws Exception {
    assumeTrue(Files.exists(Path.of(FMNIST, "train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed at " + FMNIST);
    Path out = TestDirs.newDir("split-export").resolve("split.json");
    FuseFLJob.Options o = FuseFLJob.parse("--dataset", "fmnist", "--train-limit", "3000", "--test-limit", "50",
        "--clients", "4", "--alpha", "0.3", "--seed", "2", "--export-split", out.toString(), "--split-only");
    List<FuseFLJob.Result> results = FuseFLJob.run(spark, o);
    assertThat(results).as("--split-only trains nothing").isEmpty();

    JsonNode json = new ObjectMapper().readTree(out.toFile());
    assertThat(json.get("format").asText()).isEqualTo(SplitExport.FORMAT);
    assertThat(json.get("rows").asInt()).isEqualTo(3000);
    assertThat(json.get("test_rows").asLong()).isEqualTo(50);
    assertThat(json.get("train_images").asText()).isEqualTo(FMNIST + "/train-images-idx3-ubyte.gz");
    assertThat(json.get("alpha").asDouble()).isEqualTo(0.3);
    int[] labels = new int[3000];
    int[] clients = new int[3000];
    for (int i = 0; i < 3000; i++) {
      labels[i] = json.get("label").get(i).asInt();
      clients[i] = json.get("client").get(i).asInt();
    }
    // Row i of the export is image i of the file.
    assertThat(labels).isEqualTo(fileLabels(FMNIST + "/train-labels-idx1-ubyte.gz", 3000));
    // The assignment is DirichletSplit's for those labels and settings.
    assertThat(clients).isEqualTo(DirichletSplit.assign(labels, 10, 4, 0.3, 2, json.get("min_rows_per_client").asInt()));
    assertThat(json.get("split_sha256").asText()).isEqualTo(SplitExport.sha256(clients));
    long[][] counts = DirichletSplit.counts(labels, clients, 10, 4);
    for (int c = 0; c < 4; c++) {
      for (int y = 0; y < 10; y++) {
        assertThat(json.get("counts").get(c).get(y).asLong()).isEqualTo(counts[c][y]);
      }
    }

    // The frame the job trains on holds exactly these per-client, per-class counts.
    DirichletPartitioner.Split split = DirichletPartitioner.split(
        spark.read().format("idx").load(FMNIST + "/train-images-idx3-ubyte.gz").limit(3000), "label", "client", 4, 0.3,
        2);
    assertThat(split.assignment()).isEqualTo(clients);
    List<Row> perClient = split.frame().groupBy("client", "label").count().collectAsList();
    assertThat(perClient).isNotEmpty();
    for (Row r : perClient) {
      assertThat(r.getLong(2)).as("client %d class %d", r.getInt(0), r.getInt(1)).isEqualTo(counts[r.getInt(0)][r.getInt(1)]);
    }
  }
}
