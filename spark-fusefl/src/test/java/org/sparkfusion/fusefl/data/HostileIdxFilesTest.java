package org.sparkfusion.fusefl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.sparkfusion.fusefl.data.ImageDataSourcesTest.gzip;
import static org.sparkfusion.fusefl.data.ImageDataSourcesTest.idxImages;
import static org.sparkfusion.fusefl.data.ImageDataSourcesTest.idxLabels;
import static org.sparkfusion.fusefl.data.ImageDataSourcesTest.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.cli.JobErrors;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.TestDirs;

/**
 * Issue 18 for the idx source: headers whose sizes overflow or lie, truncated and over-long files, corrupt and
 * truncated gzip, all through {@code spark.read.format("idx")} as a user calls it, each failing with one line
 * that names the file (also as a job would print it, through {@link JobErrors#oneLine}).
 */
@ExtendWith(LocalSpark.class)
class HostileIdxFilesTest {

  /** An IDX image header alone (no pixels). */
  static byte[] header(int magic, int count, int rows, int cols) {
    return ByteBuffer.allocate(16).putInt(magic).putInt(count).putInt(rows).putInt(cols).array();
  }

  /** Loads through the data source and returns the error, checking it is one line naming {@code file}. */
  private static ImageFormatException refused(SparkSession spark, Path images, Path file) {
    Throwable t = catchThrowable(() -> spark.read().format("idx").load(images.toString()).collectAsList());
    assertThat(t).as("loading %s", images).isInstanceOf(ImageFormatException.class);
    assertThat(t.getMessage()).doesNotContain("\n").contains(file.getFileName().toString());
    assertThat(JobErrors.oneLine(t)).isEqualTo(t.getMessage());
    return (ImageFormatException) t;
  }

  private static Path pair(String dir, byte[] images, byte[] labels) throws IOException {
    Path d = TestDirs.newDir(dir);
    write(d, "train-labels-idx1-ubyte", labels);
    return write(d, "train-images-idx3-ubyte", images);
  }

  @Test
  void dimensionsWhoseProductWrapsIn64BitsAreRefused(SparkSession spark) throws IOException {
    // 65536 x 65536 pixels: (long) count * rows * cols = 2^63 - 2^32 fits, but rows * cols as an int is 0, so the
    // old reader would have made 2^31-1 empty images; now the image size is refused before anything is read.
    Path images = pair("idx-wrap", header(0x803, Integer.MAX_VALUE, 65536, 65536), idxLabels(0));
    assertThat(refused(spark, images, images).getMessage()).contains("65536x65536").contains("4294967296 pixels");
    // 2^30 images of 2^30 x 16: (long) count * rows * cols = 2^64 wraps to 0, so the old length check saw nothing
    // missing in an empty body, and rows * cols = 2^34 is 0 as an int: 2^30 empty images. Now refused by size.
    Path wrapped = pair("idx-wrap64", header(0x803, 1 << 30, 1 << 30, 16), idxLabels(0));
    assertThat(refused(spark, wrapped, wrapped).getMessage()).contains("1073741824x16")
        .contains("17179869184 pixels");
  }

  @Test
  void negativeAndZeroDimensionsAreRefused(SparkSession spark) throws IOException {
    Path neg = pair("idx-neg", header(0x803, 1, -1, -4), idxLabels(1));
    assertThat(refused(spark, neg, neg).getMessage()).contains("Bad dimensions 1x4294967295x4294967292");
    Path zero = pair("idx-zero", header(0x803, 3, 0, 5), idxLabels(3));
    assertThat(refused(spark, zero, zero).getMessage()).contains("Bad dimensions 3x0x5");
    Path count = pair("idx-negcount", header(0x803, -2, 2, 2), idxLabels(0));
    assertThat(refused(spark, count, count).getMessage()).contains("Bad dimensions 4294967294x2x2");
  }

  @Test
  void hugeCountWithNoDataIsATruncationNotAnAllocation(SparkSession spark) throws IOException {
    Path images = pair("idx-huge", header(0x803, Integer.MAX_VALUE, 16384, 16384), idxLabels(0));
    assertThat(refused(spark, images, images).getMessage()).startsWith("Truncated IDX image file")
        .contains("image 0 of 2147483647 is the first incomplete one");
  }

  @Test
  void truncatedHeaderNamesTheMissingField(SparkSession spark) throws IOException {
    Path images = pair("idx-hdr", Arrays.copyOf(header(0x803, 4, 2, 2), 10), idxLabels(4));
    assertThat(refused(spark, images, images).getMessage()).contains("missing row count")
        .contains("ends at byte 10");
  }

  @Test
  void bytesAfterTheDeclaredImagesAreRefused(SparkSession spark) throws IOException {
    byte[] img = idxImages(0x803, 5, 2, 2, 6); // one image more than the header says
    Path images = pair("idx-trailing", img, idxLabels(5));
    assertThat(refused(spark, images, images).getMessage()).contains("4 bytes after the 5 images of 2x2")
        .contains("from byte 36");
  }

  @Test
  void labelFileProblemsNameTheLabelFile(SparkSession spark) throws IOException {
    Path badMagic = pair("idx-lmagic", idxImages(0x803, 3, 2, 2, 3),
        ByteBuffer.allocate(11).putInt(0x803).putInt(3).array());
    Path labels = badMagic.resolveSibling("train-labels-idx1-ubyte");
    assertThat(refused(spark, badMagic, labels).getMessage()).contains("Bad magic number 0x00000803");
    Path negative = pair("idx-lneg", idxImages(0x803, 3, 2, 2, 3), ByteBuffer.allocate(8).putInt(0x801).putInt(-1).array());
    assertThat(refused(spark, negative, negative.resolveSibling("train-labels-idx1-ubyte")).getMessage())
        .contains("Bad label count 4294967295");
    byte[] shortLabels = Arrays.copyOf(idxLabels(3), 10);
    Path trunc = pair("idx-ltrunc", idxImages(0x803, 3, 2, 2, 3), shortLabels);
    assertThat(refused(spark, trunc, trunc.resolveSibling("train-labels-idx1-ubyte")).getMessage())
        .contains("Truncated IDX label file").contains("label 2 of 3");
    Path missing = write(TestDirs.newDir("idx-nolabels"), "train-images-idx3-ubyte", idxImages(0x803, 3, 2, 2, 3));
    assertThat(refused(spark, missing, missing.resolveSibling("train-labels-idx1-ubyte")).getMessage())
        .startsWith("No such file");
  }

  @Test
  void corruptGzipDataNamesTheFileAndTheOffset(SparkSession spark) throws IOException {
    byte[] gz = gzip(idxImages(0x803, 40, 8, 8, 40));
    byte[] flipped = gz.clone();
    flipped[gz.length - 6] ^= 0x5a; // inside the CRC-32 trailer
    Path d = TestDirs.newDir("idx-gzflip");
    write(d, "train-labels-idx1-ubyte.gz", gzip(idxLabels(40)));
    Path images = write(d, "train-images-idx3-ubyte.gz", flipped);
    assertThat(refused(spark, images, images).getMessage())
        .contains("corrupt or truncated gzip data at uncompressed byte").contains("Corrupt GZIP trailer");
  }

  @Test
  void truncatedGzipNamesTheFile(SparkSession spark) throws IOException {
    byte[] gz = gzip(idxImages(0x803, 40, 8, 8, 40));
    Path d = TestDirs.newDir("idx-gzcut");
    write(d, "train-labels-idx1-ubyte.gz", gzip(idxLabels(40)));
    Path images = write(d, "train-images-idx3-ubyte.gz", Arrays.copyOf(gz, gz.length / 2));
    ImageFormatException e = refused(spark, images, images);
    assertThat(e.getMessage()).contains("corrupt or truncated gzip data").contains("Unexpected end of ZLIB");
    assertThat(e.getSuppressed()).hasSize(1); // the gzip error travels for --verbose, not as the cause
  }

  @Test
  void gzipMagicWithAGarbageHeaderNamesTheFile(SparkSession spark) throws IOException {
    Path images = pair("idx-gzhdr", new byte[] {0x1f, (byte) 0x8b, 99, 0, 0, 0}, idxLabels(0));
    assertThat(refused(spark, images, images).getMessage()).contains("corrupt or truncated gzip data at uncompressed byte 0");
  }

  @Test
  void aDirectoryIsNotAnImageFile(SparkSession spark) throws IOException {
    Path d = TestDirs.newDir("idx-dir");
    Path images = Files.createDirectory(d.resolve("train-images-idx3-ubyte"));
    write(d, "train-labels-idx1-ubyte", idxLabels(0));
    assertThat(refused(spark, images, images).getMessage()).contains("is a directory");
  }

  @Test
  void emptyImageSetIsValidAndMorePartitionsThanImagesAreHarmless(SparkSession spark) throws IOException {
    Path empty = pair("idx-empty", header(0x803, 0, 28, 28), idxLabels(0));
    assertThat(spark.read().format("idx").load(empty.toString()).count()).isZero();
    Path three = pair("idx-parts", idxImages(0x803, 3, 2, 2, 3), idxLabels(3));
    Dataset<Row> df = spark.read().format("idx").option("numPartitions", "1000000000").load(three.toString());
    assertThat(df.rdd().getNumPartitions()).isEqualTo(3);
    List<Row> rows = df.collectAsList();
    assertThat(rows).extracting(r -> r.getInt(1)).containsExactly(0, 1, 2);
    assertThat(rows.get(2).<Float>getList(0)).containsExactly(56 / 255f, 63 / 255f, 70 / 255f, 77 / 255f);
  }

  @Test
  void aFileTruncatedAfterValidationFailsInTheTaskNamingFileAndRecord(SparkSession spark) throws IOException {
    Path images = pair("idx-changed", idxImages(0x803, 6, 2, 2, 6), idxLabels(6));
    Dataset<Row> df = spark.read().format("idx").option("numPartitions", "2").load(images.toString());
    Files.write(images, Arrays.copyOf(Files.readAllBytes(images), 16 + 4 * 4 + 2));
    Throwable t = catchThrowable(df::collectAsList);
    assertThat(t).isNotNull();
    String line = JobErrors.oneLine(t);
    assertThat(line).contains("train-images-idx3-ubyte").contains("inside record 4").doesNotContain("\n");
  }

  @Test
  void cifarGzipErrorsNameTheFile(SparkSession spark) throws IOException {
    byte[] gz = gzip(new byte[3073 * 2]);
    Path bin = write(TestDirs.newDir("cifar-gz"), "data_batch_1.bin.gz", Arrays.copyOf(gz, gz.length - 3));
    Throwable t = catchThrowable(() -> spark.read().format("cifar10").load(bin.toString()));
    assertThat(t).isInstanceOf(ImageFormatException.class);
    assertThat(t.getMessage()).contains("CIFAR-10 binary file").contains("data_batch_1.bin.gz")
        .contains("corrupt or truncated gzip data");
  }

  @Test
  void theRealFashionMnistFilesStillPassTheStricterChecks(SparkSession spark) {
    Path t10k = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(t10k), "Debian's dataset-fashion-mnist is not installed");
    Dataset<Row> df = spark.read().format("idx").load(t10k.toString());
    assertThat(df.count()).isEqualTo(10_000);
    assertThat(df.selectExpr("min(label)", "max(label)", "min(size(features))").first().toString())
        .isEqualTo("[0,9,784]");
    // The training file is validated (read through its gzip trailer) when the relation is created.
    spark.read().format("idx").load(t10k.toString().replace("t10k-", "train-"));
  }
}
