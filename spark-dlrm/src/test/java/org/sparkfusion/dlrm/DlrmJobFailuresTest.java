package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.cli.Cli;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.TestDirs;

/**
 * What dlrm-predict and dlrm-gen do with bad input and failed runs, through the command line's real error path
 * ({@link Cli#run}: exit codes and the one-line message): earlier outputs are never lost, bad rows never score.
 */
@ExtendWith(LocalSpark.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DlrmJobFailuresTest {
  private Path gen;
  private String model;

  @BeforeAll
  void generate(SparkSession spark) {
    gen = TestDirs.newDir("fail-gen");
    DlrmGenJob.run(spark, "--output", gen.toString(), "--rows", "200", "--max-table-rows", "50", "--bottom", "8",
        "--top", "8", "--dim", "4", "--format", "jsonl", "--partitions", "1");
    model = gen.resolve("model").toString();
  }

  private record Result(int rc, String out, String err) {}

  private static Result predict(SparkSession spark, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream captured = new PrintStream(out, true, StandardCharsets.UTF_8);
    System.setOut(captured);  // the job prints its summary to standard output
    try {
      int rc = Cli.run(new DlrmPredictJob.Options(), args, o -> DlrmPredictJob.run(spark, o), captured,
          new PrintStream(err, true, StandardCharsets.UTF_8));
      return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
    }
  }

  /** The first line of the error output: the message a user reads. */
  private static String firstLine(Result r) {
    return r.err().lines().findFirst().orElse("");
  }

  /** A JSON line of the generated shape with the given dense values. */
  private static String row(int id, String dense) {
    String sparse = Stream.generate(() -> "[1]").limit(26).collect(Collectors.joining(","));
    return "{\"id\":" + id + ",\"dense\":[" + dense + "],\"sparse\":[" + sparse + "]}";
  }

  private static String denseWith(int index, String value) {
    List<String> v = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      v.add(i == index ? value : "0.5");
    }
    return String.join(",", v);
  }

  /** Every file under {@code dir} with its bytes: what "the previous result is intact" compares. */
  private static List<String> snapshot(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      List<String> out = new ArrayList<>();
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        out.add(dir.relativize(p) + ":" + Arrays.hashCode(Files.readAllBytes(p)));
      }
      return out;
    }
  }

  private static List<String> siblings(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void usageErrorsExitTwoWithOneLineNamingTheFlag(SparkSession spark) {
    String data = gen.resolve("data").toString();
    String out = TestDirs.newDir("usage").resolve("o").toString();
    Object[][] cases = {
        {new String[] {"--input", data, "--output", out}, "--model is required"},
        {new String[] {"--model", model, "--input", data, "--output", out, "--format", "csv"}, "--format"},
        {new String[] {"--model", model, "--input", data, "--output", out, "--batch-size", "0"}, "--batch-size"},
        {new String[] {"--model", model, "--input", data, "--output", out, "--embedding-backend", "gpu"},
            "--embedding-backend"},
        {new String[] {"--model", model, "--input", data, "--output", out, "--non-finite-dense", "zero"},
            "--non-finite-dense"},
        {new String[] {"--model", model, "--input", data, "--output", out, "--malformed-rows", "skip"},
            "--malformed-rows"},
        {new String[] {"--model", model, "--input", data, "--output", out, "--bogus"}, "--bogus"},
        {new String[] {"--model", model, "--output", out}, "--input"},
    };
    for (Object[] c : cases) {
      Result r = predict(spark, (String[]) c[0]);
      assertThat(r.rc()).as(String.join(" ", (String[]) c[0])).isEqualTo(Cli.USAGE);
      assertThat(firstLine(r)).startsWith("dlrm-predict: ").contains((String) c[1]);
      assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
    }
    assertThat(Files.exists(Path.of(out))).isFalse();
  }

  @Test
  void aBadModelFailsOnTheDriverBeforeTheInputIsRead(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("badmodel");
    Path broken = dir.resolve("model.pt");
    Files.write(broken, "PK\u0003\u0004 not really a checkpoint".getBytes(StandardCharsets.ISO_8859_1));
    Result r = predict(spark, "--model", broken.toString(), "--input", dir.resolve("no-such-input").toString(),
        "--output", dir.resolve("out").toString());
    assertThat(r.rc()).isEqualTo(Cli.FAILED);
    // The model is named, not the (missing) input: it was checked first, and no Spark job scanned anything.
    assertThat(firstLine(r)).contains("model.pt").doesNotContain("no-such-input");
    assertThat(r.err()).doesNotContain("\tat ");
    assertThat(siblings(dir)).containsExactly("model.pt");

    Result missing = predict(spark, "--model", dir.resolve("gone.pt").toString(), "--input", "x", "--output",
        dir.resolve("out").toString());
    assertThat(missing.rc()).isEqualTo(Cli.FAILED);
    assertThat(firstLine(missing)).contains("gone.pt").contains("does not exist");
  }

  @Test
  void nonFiniteDenseValuesFailNamingRowAndElementUnlessScoredAsNull(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("nonfinite");
    Path input = dir.resolve("rows.jsonl");
    Files.writeString(input, String.join("\n", row(1, denseWith(0, "0.1")), row(2, denseWith(3, "NaN")),
        row(3, denseWith(7, "1e39")), row(4, denseWith(12, "-Infinity"))) + "\n");
    Path out = dir.resolve("scored");

    Result r = predict(spark, "--model", model, "--input", input.toString(), "--output", out.toString());
    assertThat(r.rc()).isEqualTo(Cli.FAILED);
    assertThat(firstLine(r)).contains("dense").contains("element 3").contains("id 2").contains("NaN")
        .contains("--non-finite-dense");
    assertThat(r.err()).doesNotContain("\tat ");
    assertThat(siblings(dir)).containsExactly("rows.jsonl");  // nothing written, nothing left behind

    Result ok = predict(spark, "--model", model, "--input", input.toString(), "--output", out.toString(),
        "--non-finite-dense", "null");
    assertThat(ok.rc()).as(ok.err()).isEqualTo(Cli.OK);
    assertThat(ok.out()).contains("scored 4 rows (1 non-null");
    List<Row> rows = spark.read().json(out.toString()).orderBy("id").collectAsList();
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0).isNullAt(rows.get(0).fieldIndex("ctr"))).isFalse();
    for (Row bad : rows.subList(1, 4)) {
      assertThat(bad.isNullAt(bad.fieldIndex("ctr"))).as("id %s", bad.getAs("id").toString()).isTrue();
    }
  }

  @Test
  void malformedLinesFailTheJobUnlessDroppedAndCounted(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("malformed");
    Path input = dir.resolve("rows.jsonl");
    Files.writeString(input, String.join("\n", row(1, denseWith(0, "0.1")), "{\"id\": 2, \"dense\": [0.1, ",
        row(3, denseWith(0, "0.2")), "not json at all") + "\n");
    Path out = dir.resolve("scored");

    Result r = predict(spark, "--model", model, "--input", input.toString(), "--output", out.toString());
    assertThat(r.rc()).isEqualTo(Cli.FAILED);
    assertThat(firstLine(r)).contains("--input ").contains("rows.jsonl: malformed record")
        .contains("--malformed-rows drop");
    assertThat(Files.exists(out)).isFalse();

    Result dropped = predict(spark, "--model", model, "--input", input.toString(), "--output", out.toString(),
        "--malformed-rows", "drop");
    assertThat(dropped.rc()).as(dropped.err()).isEqualTo(Cli.OK);
    assertThat(dropped.out()).contains("scored 2 rows (2 non-null, 2 malformed input lines dropped)");
    assertThat(spark.read().json(out.toString()).count()).isEqualTo(2);
  }

  @Test
  void criteoTsvRowsWithMissingColumnsFailUnlessDropped(SparkSession spark) throws IOException {
    Path dir = TestDirs.newDir("tsvbad");
    StringBuilder good = new StringBuilder("1");
    for (int i = 0; i < 13; i++) {
      good.append('\t').append(i);
    }
    for (int i = 0; i < 26; i++) {
      good.append('\t').append(String.format("%08x", i * 7919));
    }
    Path input = dir.resolve("day.tsv");
    String badHex = good.toString().replaceFirst("\t00000000\t", "\tzz\t");
    String hugeHex = good.toString().replaceFirst("\t00000000\t", "\tffffffffffffffffffffffff\t");
    Files.writeString(input, good + "\n" + "0\t1\t2\n" + good.toString().replaceFirst("\t0\t", "\tx\t") + "\n");
    Path hex = dir.resolve("hex.tsv");
    Files.writeString(hex, good + "\n" + badHex + "\n" + hugeHex + "\n");
    Path out = dir.resolve("scored");
    Result r = predict(spark, "--model", model, "--input", input.toString(), "--format", "criteo-tsv", "--output",
        out.toString());
    assertThat(r.rc()).isEqualTo(Cli.FAILED);
    assertThat(firstLine(r)).contains("--input ").contains("malformed record in").contains("day.tsv");
    assertThat(Files.exists(out)).isFalse();

    Result dropped = predict(spark, "--model", model, "--input", input.toString(), "--format", "criteo-tsv",
        "--output", out.toString(), "--malformed-rows", "drop");
    assertThat(dropped.rc()).as(dropped.err()).isEqualTo(Cli.OK);
    assertThat(dropped.out()).contains("scored 1 rows (1 non-null, 2 malformed input lines dropped)");

    // Category ids that are not hex, or too long for a 64-bit id: named, never an overflow inside conv().
    Path hexOut = dir.resolve("hexscored");
    Result badIds = predict(spark, "--model", model, "--input", hex.toString(), "--format", "criteo-tsv",
        "--output", hexOut.toString());
    assertThat(badIds.rc()).isEqualTo(Cli.FAILED);
    assertThat(firstLine(badIds)).contains("hex.tsv").contains("column C1").contains("hexadecimal");
    assertThat(Files.exists(hexOut)).isFalse();
    Result hexDropped = predict(spark, "--model", model, "--input", hex.toString(), "--format", "criteo-tsv",
        "--output", hexOut.toString(), "--malformed-rows", "drop");
    assertThat(hexDropped.rc()).as(hexDropped.err()).isEqualTo(Cli.OK);
    assertThat(hexDropped.out()).contains("scored 1 rows (1 non-null, 2 malformed input lines dropped)");
  }

  @Test
  void aFailedOverwriteKeepsThePreviousResultAndAFailedFirstRunBlocksNoRerun(SparkSession spark)
      throws IOException {
    Path dir = TestDirs.newDir("overwrite");
    Path out = dir.resolve("scored");
    String data = gen.resolve("data").toString();
    assertThat(predict(spark, "--model", model, "--input", data, "--output", out.toString()).rc()).isZero();
    List<String> before = snapshot(out);
    assertThat(before).isNotEmpty();

    // Without --overwrite: refused before any work, naming the output.
    Result refused = predict(spark, "--model", model, "--input", data, "--output", out.toString());
    assertThat(refused.rc()).isEqualTo(Cli.FAILED);
    assertThat(firstLine(refused)).contains("--output").contains("already exists").contains("--overwrite");

    // A run that fails while scoring (a NaN row) with --overwrite: the previous result is untouched.
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, row(1, denseWith(2, "NaN")) + "\n");
    Result failed = predict(spark, "--model", model, "--input", bad.toString(), "--output", out.toString(),
        "--overwrite");
    assertThat(failed.rc()).isEqualTo(Cli.FAILED);
    assertThat(snapshot(out)).isEqualTo(before);
    assertThat(siblings(dir)).containsExactly("bad.jsonl", "scored");

    // A first run that fails leaves nothing, so the rerun needs no --overwrite.
    Path fresh = dir.resolve("fresh");
    assertThat(predict(spark, "--model", model, "--input", bad.toString(), "--output", fresh.toString()).rc())
        .isEqualTo(Cli.FAILED);
    assertThat(Files.exists(fresh)).isFalse();
    assertThat(predict(spark, "--model", model, "--input", data, "--output", fresh.toString()).rc()).isZero();

    // A good overwrite replaces it.
    assertThat(predict(spark, "--model", model, "--input", data, "--output", out.toString(), "--overwrite",
        "--output-format", "parquet").rc()).isZero();
    assertThat(spark.read().parquet(out.toString()).count()).isEqualTo(200);
  }

  /**
   * A dlrm-predict process killed with SIGKILL while its output is being written: the previous result is intact,
   * the killed run's hidden temporary directory is never taken for a result, and the next run succeeds.
   */
  @Test
  void aKillDuringTheWriteLosesNothing(SparkSession spark) throws Exception {
    Path dir = TestDirs.newDir("kill");
    Path big = dir.resolve("big");
    DlrmGenJob.run(spark, "--output", big.toString(), "--rows", "400000", "--max-table-rows", "50", "--no-model",
        "--format", "parquet", "--partitions", "4");
    Path out = dir.resolve("scored");
    String data = gen.resolve("data").toString();
    assertThat(predict(spark, "--model", model, "--input", data, "--output", out.toString()).rc()).isZero();
    List<String> before = snapshot(out);

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-D") || a.startsWith("-XX:+Ignore")
            || a.startsWith("--enable-native"))
        .toList());
    cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), DlrmPredictJob.class.getName(),
        "--master", "local[1]", "--model", model, "--input", big.resolve("data").toString(), "--format", "parquet",
        "--output", out.toString(), "--overwrite", "--batch-size", "64"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    boolean writing = false;
    while (!writing && p.isAlive() && System.nanoTime() < deadline) {
      try (Stream<Path> s = Files.list(dir)) {
        writing = s.anyMatch(f -> f.getFileName().toString().startsWith(".scored._temporary-")
            && Files.isDirectory(f));
      }
      Thread.sleep(50);
    }
    assertThat(writing).as("the child started writing: " + Files.readString(dir.resolve("child.log"))).isTrue();
    Thread.sleep(500);
    assertThat(p.isAlive()).as("still writing when killed").isTrue();
    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    assertThat(snapshot(out)).isEqualTo(before);
    assertThat(spark.read().json(out.toString()).count()).isEqualTo(200);
    // A rerun without --overwrite still sees (and refuses) the intact previous result...
    assertThat(predict(spark, "--model", model, "--input", data, "--output", out.toString()).rc())
        .isEqualTo(Cli.FAILED);
    // ...and with it replaces it and clears the killed run's leftovers.
    assertThat(predict(spark, "--model", model, "--input", data, "--output", out.toString(), "--overwrite",
        "--output-format", "parquet").rc()).isZero();
    assertThat(siblings(dir)).containsExactly("big", "child.log", "scored");
  }

  @Test
  void dlrmGenRefusesExistingOutputsAndKeepsThemOnFailure(SparkSession spark) throws IOException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = Cli.run(new DlrmGenJob.Options(), new String[] {"--output", gen.toString(), "--rows", "5"},
        o -> DlrmGenJob.run(spark, o), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(rc).isEqualTo(Cli.FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("already exists");
    assertThat(spark.read().json(gen.resolve("data").toString()).count()).isEqualTo(200);

    ByteArrayOutputStream usage = new ByteArrayOutputStream();
    rc = Cli.run(new DlrmGenJob.Options(), new String[] {"--output", TestDirs.newDir("genusage").resolve("o").toString(), "--bottom", "8-0"},
        o -> DlrmGenJob.run(spark, o), System.out, new PrintStream(usage, true, StandardCharsets.UTF_8));
    assertThat(rc).isEqualTo(Cli.USAGE);
    assertThat(usage.toString(StandardCharsets.UTF_8)).contains("--bottom");
  }
}
