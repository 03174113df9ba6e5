package org.sparkfusion.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

class CliTest {

  /** A real Spark ML stage with one Param of each kind the grammar takes. */
  public static final class Stage extends Transformer {
    private final String uid;
    private final IntParam blocks;
    private final DoubleParam learningRate;
    private final BooleanParam calibrate;
    private final Param<String> backend;
    private final IntArrayParam layers;
    private final Param<String> inputCol;

    public Stage() {
      this(Identifiable$.MODULE$.randomUID("stage"));
    }

    public Stage(String uid) {
      this.uid = uid;
      blocks = new IntParam(this, "blocks", "number of blocks (1..4)", ParamValidators.inRange(1, 4));
      learningRate = new DoubleParam(this, "learningRate", "SGD learning rate", ParamValidators.gt(0));
      calibrate = new BooleanParam(this, "calibrate", "calibrate the classifier");
      backend = new Param<>(this, "backend", "backend name");
      layers = new IntArrayParam(this, "layers", "hidden sizes");
      inputCol = new Param<>(this, "inputCol", "input column");
      setDefault(blocks, 2);
      setDefault(learningRate, 0.01);
      setDefault(calibrate, true);
      setDefault(backend, "cpu");
      setDefault(layers, new int[] {8, 4});
      setDefault(inputCol, "features");
    }

    public IntParam blocks() { return blocks; }
    public DoubleParam learningRate() { return learningRate; }
    public BooleanParam calibrate() { return calibrate; }
    public Param<String> backend() { return backend; }
    public IntArrayParam layers() { return layers; }
    public Param<String> inputCol() { return inputCol; }

    @Override public String uid() { return uid; }
    @Override public Dataset<Row> transform(Dataset<?> dataset) { return dataset.toDF(); }
    @Override public StructType transformSchema(StructType schema) { return schema; }
    @Override public Stage copy(ParamMap extra) { return defaultCopy(extra); }
  }

  @Command(name = "demo", description = "a demo job")
  static final class Options implements Cli.WithParams {
    @Mixin StandardOptions standard;

    @Option(names = "--input", required = true, description = "input path")
    String input;

    @Option(names = "--rows", description = "rows to read (default: ${DEFAULT-VALUE})")
    long rows = 100;

    final ParamOptions stage = ParamOptions.of("stage", new Stage()).exclude("inputCol")
        .alias("learningRate", "--lr").alias("calibrate", "--calibration")
        .values("backend", () -> List.of("cpu", "cpu-int8", "upmem")).build();

    @Override
    public List<ParamOptions> paramOptions() {
      return List.of(stage);
    }
  }

  @Test
  void paramsBecomeKebabFlagsWithAliasesAndOnlyGivenOnesAreSet() {
    Options o = Cli.parse(new Options(), "--input", "x", "--blocks=3", "--lr", "0.5", "--layers", "16,8,2");
    Stage s = o.stage.applyTo(new Stage());
    assertThat(s.getOrDefault(s.blocks())).isEqualTo(3);
    assertThat(s.getOrDefault(s.learningRate())).isEqualTo(0.5);
    assertThat((int[]) s.getOrDefault(s.layers())).containsExactly(16, 8, 2);
    assertThat(s.isSet(s.calibrate())).isFalse();
    assertThat(s.getOrDefault(s.calibrate())).isEqualTo(true);
    assertThat(o.input).isEqualTo("x");
    assertThat(o.rows).isEqualTo(100);
    assertThat(o.stage.isGiven("blocks")).isTrue();
    assertThat(o.stage.isGiven("backend")).isFalse();
  }

  @Test
  void booleansTakeBareFlagValueAndNegation() {
    assertThat(calibrate("--calibrate=false")).isFalse();
    assertThat(calibrate("--no-calibrate")).isFalse();
    assertThat(calibrate("--no-calibration")).isFalse();
    assertThat(calibrate("--calibrate")).isTrue();
    assertThatThrownBy(() -> calibrate("--calibrate", "--no-calibrate")).isInstanceOf(Cli.UsageException.class)
        .hasMessage("demo: give either --calibrate or --no-calibrate, not both");
    assertThatThrownBy(() -> calibrate("--calibrate=maybe")).hasMessageContaining("--calibrate")
        .hasMessageContaining("maybe");
  }

  private static boolean calibrate(String... flags) {
    String[] args = new String[flags.length + 2];
    args[0] = "--input";
    args[1] = "x";
    System.arraycopy(flags, 0, args, 2, flags.length);
    Stage s = Cli.parse(new Options(), args).stage.applyTo(new Stage());
    return (Boolean) s.getOrDefault(s.calibrate());
  }

  @Test
  void badValuesAreUsageErrorsNamingTheFlag() {
    assertThatThrownBy(() -> Cli.parse(new Options(), "--input", "x", "--blocks", "0"))
        .isInstanceOf(Cli.UsageException.class)
        .hasMessage("demo: invalid value for --blocks: 0 (number of blocks (1..4))");
    assertThatThrownBy(() -> Cli.parse(new Options(), "--input", "x", "--lr", "fast"))
        .hasMessage("demo: invalid value for --learning-rate: 'fast' is not a number");
    assertThatThrownBy(() -> Cli.parse(new Options(), "--input", "x", "--lr", "NaN"))
        .hasMessageContaining("--learning-rate").hasMessageContaining("finite");
    assertThatThrownBy(() -> Cli.parse(new Options(), "--input", "x", "--backend", "gpu"))
        .hasMessage("demo: invalid value for --backend: 'gpu' (one of cpu, cpu-int8, upmem)");
    assertThatThrownBy(() -> Cli.parse(new Options(), "--input", "x", "--input-col", "f"))
        .hasMessageContaining("--input-col");
    assertThatThrownBy(() -> Cli.parse(new Options(), "--blocks", "2")).hasMessageContaining("--input");
    assertThatThrownBy(() -> Cli.parse(new Options(), "--input", "x", "--rows", "many")).hasMessageContaining("--rows");
  }

  @Test
  void exitCodesAndOneLineErrors() {
    Run usage = run(o -> { }, "--input", "x", "--unknown", "1");
    assertThat(usage.rc).isEqualTo(Cli.USAGE);
    assertThat(usage.err.strip().lines().toList()).hasSize(1);
    assertThat(usage.err).contains("--unknown").contains("demo --help");

    Run help = run(o -> { }, "--help");
    assertThat(help.rc).isZero();
    assertThat(help.out).contains("Usage: demo").contains("--blocks=<int>").contains("--lr, --learning-rate")
        .contains("(default: 0.01)").contains("--no-calibrate").contains("(one of: cpu, cpu-int8, upmem)")
        .contains("rows to read (default: 100)").doesNotContain("--input-col");

    Body failing = o -> {
      throw new SparkException("Job aborted due to stage failure: Task 0 in stage 1.0 failed 4 times",
          new IllegalArgumentException("row 7 column dense[2] is NaN\n  at the third value"));
    };
    Run failed = run(failing, "--input", "x");
    assertThat(failed.rc).isEqualTo(Cli.FAILED);
    assertThat(failed.err.lines().toList()).containsExactly("demo: row 7 column dense[2] is NaN",
        "demo: run again with --verbose for the stack trace");
    Run verbose = run(failing, "--input", "x", "--verbose");
    assertThat(verbose.err).contains("demo: row 7 column dense[2] is NaN").contains("at org.sparkfusion");

    Run ok = run(o -> System.out.print(""), "--input", "x");
    assertThat(ok.rc).isZero();
  }

  @Test
  void oneLineKeepsTheInnermostUserFacingMessage() {
    assertThat(JobErrors.oneLine(new RuntimeException("wrapper", new java.io.FileNotFoundException("/tmp/m.pt"))))
        .isEqualTo("/tmp/m.pt");
    assertThat(JobErrors.oneLine(new SparkException("Job aborted due to stage failure: Task 1 failed, most recent "
        + "failure: Lost task: java.lang.IllegalArgumentException: bad row 3\n\tat x"))).isEqualTo("bad row 3");
    assertThat(JobErrors.oneLine(new NullPointerException())).isEqualTo("NullPointerException");
  }

  @Test
  void flagDefaultsComeFromTheParams() {
    assertThat(new Options().stage.flagDefaults()).containsEntry("--blocks", "2")
        .containsEntry("--learning-rate", "0.01").containsEntry("--calibrate", "true")
        .containsEntry("--layers", "8,4").doesNotContainKey("--input-col");
    assertThatThrownBy(() -> ParamOptions.of("x", new Stage()).exclude("nothing").build())
        .hasMessageContaining("no Param nothing");
  }

  interface Body extends Cli.Body<Options> {}

  record Run(int rc, String out, String err) {}

  private static Run run(Body body, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = Cli.run(new Options(), args, body, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
