package org.sparkfusion.dlrm.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;
import org.sparkfusion.dlrm.Fixtures;

class ModelFilesTest {
  private final Configuration conf = new Configuration();

  private Map<String, Tensor> read(String fixture) {
    return ModelFiles.read(Fixtures.path(fixture).toString(), conf);
  }

  @Test
  void checkpointDictYieldsItsStateDictAndIgnoresOptimizerState() {
    Map<String, Tensor> sd = read("dot_checkpoint.pt");
    assertThat(sd.keySet()).containsExactlyInAnyOrder("emb_l.0.weight", "emb_l.1.weight", "emb_l.2.weight",
        "bot_l.0.weight", "bot_l.0.bias", "bot_l.2.weight", "bot_l.2.bias", "top_l.0.weight", "top_l.0.bias",
        "top_l.2.weight", "top_l.2.bias", "top_l.4.weight", "top_l.4.bias");
    assertThat(sd.get("emb_l.0.weight").shape()).containsExactly(10, 4);
    assertThat(sd.get("top_l.0.weight").shape()).containsExactly(8, 10);
  }

  @Test
  void bareStateDictAndNpyDirectoryHoldTheSameValuesAsTheCheckpoint() {
    Map<String, Tensor> ckpt = read("dot_checkpoint.pt");
    for (String other : new String[] {"dot_state_dict.pt", "dot_npy"}) {
      Map<String, Tensor> sd = read(other);
      assertThat(sd.keySet()).as(other).containsExactlyInAnyOrderElementsOf(ckpt.keySet());
      for (Tensor t : ckpt.values()) {
        assertThat(sd.get(t.name()).shape()).as(other + " " + t.name()).containsExactly(t.shape());
        assertThat(sd.get(t.name()).data()).as(other + " " + t.name()).containsExactly(t.data());
      }
    }
  }

  @Test
  void npyDirectoryRoundTripsThroughWriteAndRead() {
    Map<String, Tensor> sd = read("dot_checkpoint.pt");
    Path dir = TestDirs.newDir("npy-roundtrip").resolve("model");
    ModelFiles.writeNpyDirectory(dir.toString(), sd, conf, false);
    Map<String, Tensor> back = ModelFiles.read(dir.toString(), conf);
    assertThat(back.keySet()).containsExactlyInAnyOrderElementsOf(sd.keySet());
    for (Tensor t : sd.values()) {
      assertThat(back.get(t.name()).shape()).containsExactly(t.shape());
      assertThat(back.get(t.name()).data()).containsExactly(t.data());
    }
  }

  @Test
  void maliciousPickleIsRejectedWithoutRunningAnything() {
    Path marker = Path.of("target/pwned-by-pickle");
    assertThat(marker).doesNotExist();
    assertThatThrownBy(() -> read("malicious.pt"))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("malicious.pt")
        .hasMessageContaining("refusing to load")
        .hasMessageContaining("'posix.system'");
    assertThat(marker).doesNotExist();
  }

  @Test
  void truncatedCheckpointIsRejectedNamingTheFile() throws Exception {
    byte[] whole = Files.readAllBytes(Fixtures.path("dot_checkpoint.pt"));
    Path cut = TestDirs.newDir("truncated").resolve("cut.pt");
    Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
    assertThatThrownBy(() -> ModelFiles.read(cut.toString(), conf))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("cut.pt")
        .hasMessageContaining("truncated");
  }

  @Test
  void float64TensorIsRejectedNamingTheTensor() {
    assertThatThrownBy(() -> read("wrong_dtype.pt"))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("wrong_dtype.pt")
        .hasMessageContaining("emb_l.1.weight")
        .hasMessageContaining("float64");
  }

  @Test
  void float64NpyFileIsRejectedNamingTheTensor() {
    byte[] npy = NpyFormat.write(new Tensor("x", new long[] {2}, new float[] {1f, 2f}));
    String header = new String(npy, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<f8");
    byte[] bad = header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> NpyFormat.read("m/emb_l.0.weight.npy", "emb_l.0.weight", bad))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("emb_l.0.weight")
        .hasMessageContaining("<f8");
  }

  @Test
  void missingPathIsNamed() {
    assertThatThrownBy(() -> ModelFiles.read("/no/such/model.pt", conf)).hasMessageContaining("/no/such/model.pt");
  }
}
