package org.sparkfusion.dlrm.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;
import org.sparkfusion.dlrm.Fixtures;

/**
 * A real PyTorch checkpoint's entries rewritten as a zip64 archive (zip64 extended-information extra fields in
 * every local and central header with the 32-bit fields at 0xFFFFFFFF, a zip64 end-of-central-directory record
 * and its locator): read exactly like the original, and forged zip64 sizes and offsets refused.
 */
class Zip64CheckpointTest {

  private static Path written(String name, byte[] bytes) throws Exception {
    Path f = TestDirs.newDir("zip64").resolve(name);
    Files.write(f, bytes);
    return f;
  }

  private static Map<String, Tensor> reference() {
    return ModelFiles.read(Fixtures.path("dot_state_dict.pt").toString(), new Configuration());
  }

  @Test
  void zip64CheckpointReadsLikeTheOriginal() throws Exception {
    List<ZipWriter.Item> items = FaultCorpus.entries("dot_state_dict.pt");
    for (boolean deflate : new boolean[] {false, true}) {
      List<ZipWriter.Item> these = items.stream().map(i -> new ZipWriter.Item(i.name(), i.data(), deflate)).toList();
      ZipWriter.Layout z = ZipWriter.write(these, true);
      Path f = written("zip64-" + deflate + ".pt", z.bytes());
      // The JDK's own reader agrees it is a well-formed zip64 archive with these entries and contents.
      try (ZipFile jdk = new ZipFile(f.toFile())) {
        List<? extends ZipEntry> entries = Collections.list(jdk.entries());
        assertThat(entries).hasSize(items.size());
        for (int i = 0; i < items.size(); i++) {
          assertThat(jdk.getInputStream(entries.get(i)).readAllBytes()).isEqualTo(items.get(i).data());
        }
      }
      assertThat(z.bytes()[z.local()[0] + 18]).isEqualTo((byte) 0xFF); // 32-bit size fields really are escaped
      Map<String, Tensor> got = ModelFiles.read(f.toString(), new Configuration());
      Map<String, Tensor> ref = reference();
      assertThat(got.keySet()).containsExactlyElementsOf(ref.keySet());
      for (String k : ref.keySet()) {
        assertThat(FaultCorpusTest.same(got.get(k), ref.get(k))).as(k).isTrue();
      }
    }
  }

  @Test
  void forgedZip64SizesAndOffsetsAreRefused() throws Exception {
    List<ZipWriter.Item> items = FaultCorpus.entries("dot_state_dict.pt");
    ZipWriter.Layout z = ZipWriter.write(items, true);
    int e = 1; // the first storage entry
    int extra = z.central()[e] + 46 + items.get(e).name().getBytes(StandardCharsets.UTF_8).length + 4;
    Object[][] forgeries = {
        {extra, 1L << 40, "declares 1099511627776 bytes but should hold"},
        {extra, Long.MIN_VALUE, "zip64 size or offset over 2^63"},
        {extra + 8, 1L << 50, "is stored but declares"},
        {extra + 16, 1L << 45, "outside the data area"},
        {z.zip64End() + 48, 1L << 40, "lies outside the file or is implausible"},
        {z.zip64End() + 32, 1L << 40, "lies outside the file or is implausible"},
        {z.zip64Locator() + 8, 1L << 40, "zip64 end record offset"},
    };
    for (Object[] f : forgeries) {
      Path file = written("forged-" + f[0] + ".pt", ZipWriter.patch(z.bytes(), (Integer) f[0], 8, (Long) f[1]));
      assertThatThrownBy(() -> ModelFiles.read(file.toString(), new Configuration())).as("%s", f[2])
          .isInstanceOf(CheckpointFormatException.class).hasMessageContaining(file.getFileName().toString())
          .hasMessageContaining((String) f[2]).hasMessageNotContaining("\n");
    }
    Path noLocator = written("nolocator.pt", ZipWriter.patch(z.bytes(), z.zip64Locator(), 4, 0));
    assertThatThrownBy(() -> ModelFiles.read(noLocator.toString(), new Configuration()))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("no zip64 locator");
    Path noExtra = written("noextra.pt", ZipWriter.patch(z.bytes(), extra - 4, 2, 0x5455));
    assertThatThrownBy(() -> ModelFiles.read(noExtra.toString(), new Configuration()))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("needs a zip64 extra field but has none");
  }
}
