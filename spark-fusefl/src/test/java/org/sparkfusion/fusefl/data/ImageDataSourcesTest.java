package org.sparkfusion.fusefl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.TestDirs;

@ExtendWith(LocalSpark.class)
class ImageDataSourcesTest {

  static byte[] idxImages(int magic, int count, int rows, int cols, int actualImages) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeInt(magic);
    out.writeInt(count);
    out.writeInt(rows);
    out.writeInt(cols);
    for (int i = 0; i < actualImages * rows * cols; i++) {
      out.writeByte((i * 7) % 256);
    }
    return b.toByteArray();
  }

  static byte[] idxLabels(int count) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeInt(0x801);
    out.writeInt(count);
    for (int i = 0; i < count; i++) {
      out.writeByte(i % 10);
    }
    return b.toByteArray();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(b)) {
      g.write(raw);
    }
    return b.toByteArray();
  }

  static Path write(Path dir, String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  @Test
  void readsGzippedIdxImagesWithLabelsFoundBeside(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("idx-gz");
    Path images = write(dir, "train-images-idx3-ubyte.gz", gzip(idxImages(0x803, 25, 4, 3, 25)));
    write(dir, "train-labels-idx1-ubyte.gz", gzip(idxLabels(25)));
    List<Row> rows = spark.read().format("idx").option("numPartitions", "3").load(images.toString())
        .collectAsList();
    assertThat(rows).hasSize(25);
    for (int i = 0; i < 25; i++) {
      Row r = rows.get(i);
      assertThat(r.getInt(1)).isEqualTo(i % 10);
      List<Float> f = r.getList(0);
      assertThat(f).hasSize(12);
      for (int j = 0; j < 12; j++) {
        assertThat(f.get(j)).isEqualTo(((i * 12 + j) * 7 % 256) / 255f);
      }
    }
  }

  @Test
  void readsPlainIdxWithLabelsOption(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("idx-plain");
    Path images = write(dir, "imgs.idx", idxImages(0x803, 5, 2, 2, 5));
    Path labels = write(dir, "lbls.idx", idxLabels(5));
    assertThat(spark.read().format("idx").option("labels", labels.toString()).load(images.toString()).count())
        .isEqualTo(5);
  }

  @Test
  void badMagicNumberNamesTheFile(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("idx-magic");
    Path images = write(dir, "train-images-idx3-ubyte", idxImages(0x804, 5, 2, 2, 5));
    write(dir, "train-labels-idx1-ubyte", idxLabels(5));
    assertThatThrownBy(() -> spark.read().format("idx").load(images.toString()))
        .hasMessageContaining("Bad magic number").hasMessageContaining("train-images-idx3-ubyte");
  }

  @Test
  void truncatedImageFileNamesTheFileAndTheShortfall(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("idx-trunc");
    Path images = write(dir, "train-images-idx3-ubyte.gz", gzip(idxImages(0x803, 10, 2, 2, 7)));
    write(dir, "train-labels-idx1-ubyte.gz", gzip(idxLabels(10)));
    assertThatThrownBy(() -> spark.read().format("idx").load(images.toString()))
        .hasMessageContaining("Truncated IDX image file").hasMessageContaining("train-images-idx3-ubyte.gz")
        .hasMessageContaining("28 bytes");
  }

  @Test
  void countMismatchNamesBothFiles(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("idx-count");
    Path images = write(dir, "t10k-images-idx3-ubyte", idxImages(0x803, 6, 2, 2, 6));
    write(dir, "t10k-labels-idx1-ubyte", idxLabels(5));
    assertThatThrownBy(() -> spark.read().format("idx").load(images.toString()))
        .hasMessageContaining("Count mismatch").hasMessageContaining("6 images")
        .hasMessageContaining("t10k-labels-idx1-ubyte");
  }

  @Test
  void readsCifar10BinaryRecords(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("cifar");
    byte[] content = new byte[3 * 3073];
    for (int r = 0; r < 3; r++) {
      content[r * 3073] = (byte) (r + 4);
      content[r * 3073 + 1] = (byte) 255; // first red pixel
      content[r * 3073 + 1 + 1024] = (byte) 51; // first green pixel
    }
    Path bin = write(dir, "data_batch_1.bin", content);
    List<Row> rows = spark.read().format("cifar10").load(bin.toString()).collectAsList();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(2).getInt(1)).isEqualTo(6);
    List<Float> f = rows.get(0).getList(0);
    assertThat(f).hasSize(3072);
    assertThat(f.get(0)).isEqualTo(1f);
    assertThat(f.get(1024)).isEqualTo(0.2f);
  }

  @Test
  void truncatedCifar10FileNamesTheFile(SparkSession spark) throws IOException {
    Path bin = write(TestDirs.newDir("cifar-bad"), "test_batch.bin", new byte[3073 * 2 - 5]);
    assertThatThrownBy(() -> spark.read().format("cifar10").load(bin.toString()))
        .hasMessageContaining("test_batch.bin").hasMessageContaining("not a positive multiple of the 3073-byte record");
  }

  @Test
  void mnistJsonDigitsConvertToIdx(SparkSession spark) throws IOException {
    Path json = TestDirs.newDir("mnist-json");
    for (int d = 0; d < 10; d++) {
      StringBuilder sb = new StringBuilder("{\"data\":[");
      for (int i = 0; i < 5 * 784; i++) {
        sb.append(i == 0 ? "" : ",").append(i % 784 == d ? "1" : "0");
      }
      Files.write(json.resolve(d + ".json"), sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }
    Path out = TestDirs.newDir("mnist-idx");
    String train = MnistJson.toIdx(json.toString(), out.toString(), 0.8);
    List<Row> rows = spark.read().format("idx").load(train).collectAsList();
    assertThat(rows).hasSize(40);
    Row first7 = rows.stream().filter(r -> r.getInt(1) == 7).findFirst().orElseThrow();
    List<Float> f = first7.getList(0);
    assertThat(f.get(7)).isEqualTo(1f);
    assertThat(f.stream().mapToDouble(Float::doubleValue).sum()).isEqualTo(1.0);
    assertThat(spark.read().format("idx").load(out.resolve("t10k-images-idx3-ubyte").toString()).count()).isEqualTo(10);
  }

  @Test
  void mnistJsonWithWrongLengthNamesTheFile() throws IOException {
    Path json = TestDirs.newDir("mnist-json-bad");
    for (int d = 0; d < 10; d++) {
      int n = d == 3 ? 783 : 784;
      String values = String.join(",", java.util.Collections.nCopies(n, "0"));
      Files.write(json.resolve(d + ".json"), ("{\"data\":[" + values + "]}").getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> MnistJson.toIdx(json.toString(), TestDirs.newDir("x").toString(), 0.8))
        .hasMessageContaining("3.json").hasMessageContaining("not a multiple of 784");
  }

  @Test
  void labelsPathIsDerivedFromImagesPath() {
    assertThat(IdxDataSource.defaultLabels("/d/train-images-idx3-ubyte.gz")).endsWith("/d/train-labels-idx1-ubyte.gz");
    assertThatThrownBy(() -> IdxDataSource.defaultLabels("/d/foo.bin")).hasMessageContaining("set option labels");
    assertThat(Arrays.asList(1)).isNotEmpty();
  }
}
