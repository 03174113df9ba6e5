package org.sparkfusion.dist.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Runs each Zeppelin {@code .zpln} note under {@code notebooks/zeppelin/} against a local session configured by
 * the note's {@code %spark.conf} paragraphs: {@code %spark.sql} statements (a {@code check} column must be true)
 * and {@code %spark} Scala paragraphs. This is not Zeppelin (none for Spark 4.2 can be assembled from the
 * registries); the Jupyter notebooks run in real kernels through nbclient (dev/python-tests.sh).
 * {@code -Dnotebook=name} runs only the notes whose file name contains {@code name}.
 */
class NotebooksTest {

  private static final Path NOTEBOOKS = TestDirs.projectRoot().resolve("notebooks");

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
}
