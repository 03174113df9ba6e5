package org.sparkfusion.dist.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator;
import org.sparkfusion.common.test.TestDirs;

/**
 * Runs every notebook under {@code notebooks/}: each Java {@code .ipynb} through JShell in its own JVM (as a
 * JShell-based Jupyter kernel does) with the assembled Spark runtime on its class path, and each Zeppelin
 * {@code .zpln} note against a local session configured by the note's {@code %spark.conf} paragraphs.
 * {@code -Dnotebook=name} runs only the notebooks whose file name contains {@code name}.
 */
class NotebooksTest {

  private static final Path NOTEBOOKS = TestDirs.projectRoot().resolve("notebooks");

  @TestFactory
  Stream<DynamicTest> jupyterNotebooks() throws IOException {
    return files(".ipynb").map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      JupyterJavaNotebook notebook = new JupyterJavaNotebook(file);
      String printed = notebook.run(runtimeClassPath(), kernelJvmOptions());
      System.out.println("=== " + file.getFileName() + " (" + notebook.codeCells() + " code cells)\n" + printed);
    }));
  }

  @TestFactory
  Stream<DynamicTest> zeppelinNotes() throws IOException {
    return files(".zpln").map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      ZeppelinNote note = new ZeppelinNote(file);
      Map<String, String> conf = note.conf();
      SparkSession.Builder builder = SparkSession.builder()
          .master(conf.getOrDefault("master", conf.getOrDefault("spark.master", "local[2]")))
          .appName("zeppelin-note-test")
          .config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
          .config("spark.kryo.registrator", SparkFusionKryoRegistrator.CLASS_NAME)
          .config("spark.sql.warehouse.dir", TestDirs.newDir("zeppelin-warehouse").toUri().toString());
      conf.forEach((k, v) -> {
        if (!k.equals("master") && !k.startsWith("spark.jars")) {
          builder.config(k, v);
        }
      });
      SparkSession spark = builder.getOrCreate();
      try {
        System.out.println("=== " + file.getFileName() + "\n" + note.run(spark));
      } finally {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
      }
    }));
  }

  private static Stream<Path> files(String suffix) throws IOException {
    String only = System.getProperty("notebook", "");
    List<Path> found = new ArrayList<>();
    try (Stream<Path> all = Files.walk(NOTEBOOKS)) {
      all.filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(p -> !p.toString().contains(".ipynb_checkpoints"))
          .filter(p -> p.getFileName().toString().contains(only))
          .sorted()
          .forEach(found::add);
    }
    if (only.isEmpty()) {
      assertThat(found).as("notebooks with suffix %s under %s", suffix, NOTEBOOKS).isNotEmpty();
    }
    return found.stream();
  }

  /** The runtime a notebook kernel gets: Spark's jars and the project's jars with their dependencies. */
  static List<String> runtimeClassPath() throws IOException {
    Path runtime = Paths.get(System.getProperty("sparkfusion.runtime", "target/spark-runtime"));
    List<String> entries = new ArrayList<>();
    for (String dir : List.of("jars", "sparkfusion")) {
      try (Stream<Path> jars = Files.list(runtime.resolve(dir))) {
        jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
      }
    }
    assertThat(entries).as("runtime jars under %s", runtime).isNotEmpty();
    return entries;
  }

  /** What a notebook kernel JVM for Spark needs (JJAVA_JVM_OPTS for JJava): Spark's module flags and a heap. */
  static List<String> kernelJvmOptions() {
    List<String> options = new ArrayList<>(List.of(System.getProperty("sparkfusion.kernel.flags", "").split("\\s+")));
    options.removeIf(String::isBlank);
    options.add("-Xmx3g");
    options.add("-Dlog4j2.configurationFile=" + TestDirs.projectRoot().resolve("bin/log4j2-cli.properties"));
    options.add("-Dsparkfusion.test.tmp=" + TestDirs.root());
    return options;
  }
}
