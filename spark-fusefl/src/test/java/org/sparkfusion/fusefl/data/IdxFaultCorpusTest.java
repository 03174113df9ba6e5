package org.sparkfusion.fusefl.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.common.test.TestDirs;

/**
 * Runs every input of the generated {@link IdxFaultCorpus} through {@code spark.read.format("idx")} on a real local
 * session, from real files, and classifies it: a clean error ({@link ImageFormatException} or
 * {@link IllegalArgumentException}, one line, naming one of the two files), a load equal to what the independent
 * {@link IdxFaultCorpus#decode oracle} reads, or a failure (any other throwable, a silent wrong or short result, a
 * valid pair refused). Counts go to {@code target/fault-corpus.json}; the test fails on any failure.
 */
@ExtendWith(LocalSpark.class)
class IdxFaultCorpusTest {

  static final class Counts {
    int inputs;
    int cleanErrors;
    int loadedValid;
    int crashes;
    int silentWrong;
    int unclearMessages;
    int refusedValid;
  }

  @Test
  void everyIdxCorpusInputEndsInACleanErrorOrAFaithfulLoad(SparkSession spark) throws IOException {
    long start = System.nanoTime();
    List<IdxFaultCorpus.Input> corpus = IdxFaultCorpus.generate();
    Path root = TestDirs.newDir("idx-fault-corpus");
    Map<String, Counts> families = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    int n = 0;
    for (IdxFaultCorpus.Input in : corpus) {
      Path dir = Files.createDirectories(root.resolve(n++ + "-" + in.family() + "-" + in.name().replaceAll("[^A-Za-z0-9=@^-]", "_")));
      Path images = Files.write(dir.resolve("train-images-idx3-ubyte" + (in.imagesGz() ? ".gz" : "")), in.images());
      Path labels = Files.write(dir.resolve("train-labels-idx1-ubyte" + (in.labelsGz() ? ".gz" : "")), in.labels());
      Counts c = families.computeIfAbsent(in.family(), f -> new Counts());
      c.inputs++;
      IdxFaultCorpus.Decoded want = IdxFaultCorpus.decode(in);
      String verdict;
      try {
        List<Row> rows = spark.read().format("idx").option("labels", labels.toString()).load(images.toString())
            .collectAsList();
        verdict = want == null ? "silent: loaded " + rows.size() + " rows from an invalid pair"
            : same(rows, want) ? "valid" : "silent: rows differ from the oracle's";
      } catch (Throwable t) {
        String m = t.getMessage();
        if (!(t instanceof ImageFormatException) && !(t instanceof IllegalArgumentException)) {
          verdict = "crash: " + t.getClass().getName() + ": " + m;
        } else if (m == null || m.isBlank() || m.contains("\n") || m.length() > 600) {
          verdict = "unclear: not one short line: " + m;
        } else if (!m.contains(images.toString()) && !m.contains(labels.toString())) {
          verdict = "unclear: names neither file: " + m;
        } else if (want != null) {
          verdict = "refused: a valid pair was refused: " + m;
        } else {
          verdict = "clean";
        }
      }
      switch (verdict.substring(0, verdict.indexOf(':') < 0 ? verdict.length() : verdict.indexOf(':'))) {
        case "clean" -> c.cleanErrors++;
        case "valid" -> c.loadedValid++;
        case "crash" -> c.crashes++;
        case "silent" -> c.silentWrong++;
        case "unclear" -> c.unclearMessages++;
        case "refused" -> c.refusedValid++;
        default -> throw new IllegalStateException(verdict);
      }
      if (!verdict.equals("clean") && !verdict.equals("valid")) {
        failures.add(in.family() + "/" + in.name() + ": " + verdict);
      }
    }
    writeJson(Paths.get("target", "fault-corpus.json"), families, failures, (System.nanoTime() - start) / 1e9);
    assertThat(failures).as("idx corpus inputs that crashed, loaded wrong rows or gave an unclear error").isEmpty();
    assertThat(families.get("idx-valid").loadedValid).isEqualTo(2); // the corpus is derived from a readable pair
    assertThat(corpus.size()).isGreaterThan(400);
  }

  private static boolean same(List<Row> rows, IdxFaultCorpus.Decoded want) {
    if (rows.size() != want.labels().length) {
      return false;
    }
    for (int i = 0; i < rows.size(); i++) {
      List<Float> f = rows.get(i).getList(0);
      if (rows.get(i).getInt(1) != want.labels()[i] || f.size() != want.pixels()[i].length) {
        return false;
      }
      for (int j = 0; j < f.size(); j++) {
        if (f.get(j) != want.pixels()[i][j] / 255f) {
          return false;
        }
      }
    }
    return true;
  }

  private static void writeJson(Path out, Map<String, Counts> families, List<String> failures, double seconds)
      throws IOException {
    Counts total = new Counts();
    StringBuilder fam = new StringBuilder();
    for (Map.Entry<String, Counts> e : families.entrySet()) {
      Counts c = e.getValue();
      total.inputs += c.inputs;
      total.cleanErrors += c.cleanErrors;
      total.loadedValid += c.loadedValid;
      total.crashes += c.crashes;
      total.silentWrong += c.silentWrong;
      total.unclearMessages += c.unclearMessages;
      total.refusedValid += c.refusedValid;
      fam.append(fam.length() == 0 ? "" : ",\n").append("    \"").append(e.getKey()).append("\": ").append(json(c));
    }
    StringBuilder f = new StringBuilder();
    for (String s : failures.subList(0, Math.min(50, failures.size()))) {
      f.append(f.length() == 0 ? "" : ",\n").append("    \"").append(s.replace("\\", "\\\\").replace("\"", "\\\""))
          .append('"');
    }
    String text = "{\n  \"corpus\": \"spark-fusefl idx/gzip files (IdxFaultCorpus, seed " + IdxFaultCorpus.SEED
        + ")\",\n  \"seconds\": " + String.format(java.util.Locale.ROOT, "%.1f", seconds) + ",\n  \"total\": "
        + json(total) + ",\n  \"families\": {\n" + fam + "\n  },\n  \"failures\": [\n" + f + "\n  ]\n}\n";
    Files.createDirectories(out.getParent());
    Files.write(out, text.getBytes(StandardCharsets.UTF_8));
  }

  private static String json(Counts c) {
    return "{\"inputs\": " + c.inputs + ", \"clean_errors\": " + c.cleanErrors + ", \"loaded_valid\": " + c.loadedValid
        + ", \"crashes\": " + c.crashes + ", \"silent_wrong\": " + c.silentWrong + ", \"unclear_messages\": "
        + c.unclearMessages + ", \"refused_valid\": " + c.refusedValid + "}";
  }
}
