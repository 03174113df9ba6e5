package org.sparkfusion.dlrm.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;
import org.sparkfusion.dlrm.Fixtures;

/**
 * Runs every input of the generated {@link FaultCorpus} through the user's loader ({@link ModelFiles#read}, which
 * dispatches to the torch zip reader or the .npy directory reader) from a real file, and classifies it:
 * <ul>
 *   <li>clean error: {@link CheckpointFormatException} or {@link IllegalArgumentException}, one line, naming the
 *       file;</li>
 *   <li>loaded and valid: what the input's {@link FaultCorpus.Oracle} allows (the reference state_dict for a
 *       harmless mutation, the bytes' own values for a .npy whose unprotected data changed);</li>
 *   <li>failure: any other exception or error (OutOfMemoryError, StackOverflowError, IndexOutOfBounds...), a
 *       message that is not one line or does not name the file, a hang, more than {@link #MAX_ALLOCATION} bytes
 *       allocated for one input, or a load returning anything else (a silent wrong result).</li>
 * </ul>
 * The counts go to {@code target/fault-corpus.json}; the test fails if there is any failure.
 */
class FaultCorpusTest {
  /** Most bytes one input may make the loader allocate: the inputs are at most a few MB, and nothing legitimate
   * in them is large; 256 MB means a declared size was trusted. */
  static final long MAX_ALLOCATION = 256L << 20;
  private static final long TIMEOUT_SECONDS = 20;

  /** Per-family counts. */
  static final class Counts {
    int inputs;
    int cleanErrors;
    int loadedValid;
    int crashes;
    int silentWrong;
    int unclearMessages;
    long maxAllocatedBytes;
  }

  private record Outcome(Throwable error, Map<String, Tensor> loaded, long allocated) {}

  @Test
  void everyCorpusInputEndsInACleanErrorOrAFaithfulLoad() throws Exception {
    long start = System.nanoTime();
    List<FaultCorpus.Input> corpus = FaultCorpus.generate();
    Path root = TestDirs.newDir("fault-corpus");
    Configuration conf = new Configuration();
    Map<String, Map<String, Tensor>> reference = Map.of(
        "dot_state_dict", ModelFiles.read(Fixtures.path("dot_state_dict.pt").toString(), conf),
        "dot_checkpoint", ModelFiles.read(Fixtures.path("dot_checkpoint.pt").toString(), conf));
    Map<String, Counts> families = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      int n = 0;
      for (FaultCorpus.Input in : corpus) {
        Path file = write(root, n++, in);
        Counts c = families.computeIfAbsent(in.family(), f -> new Counts());
        c.inputs++;
        Future<Outcome> f = worker.submit(() -> {
          long before = threads.getCurrentThreadAllocatedBytes();
          try {
            Map<String, Tensor> m = ModelFiles.read(file.toString(), conf);
            return new Outcome(null, m, threads.getCurrentThreadAllocatedBytes() - before);
          } catch (Throwable t) {
            return new Outcome(t, null, threads.getCurrentThreadAllocatedBytes() - before);
          }
        });
        Outcome o;
        try {
          o = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          f.cancel(true);
          worker.shutdownNow();
          worker = Executors.newSingleThreadExecutor();
          c.crashes++;
          failures.add(in.family() + "/" + in.name() + ": no answer within " + TIMEOUT_SECONDS + " s (hang)");
          continue;
        }
        c.maxAllocatedBytes = Math.max(c.maxAllocatedBytes, o.allocated());
        String verdict = classify(in, file, o, reference);
        if (o.allocated() > MAX_ALLOCATION) {
          verdict = "crash: allocated " + o.allocated() + " bytes";
        }
        switch (verdict.substring(0, verdict.indexOf(':') < 0 ? verdict.length() : verdict.indexOf(':'))) {
          case "clean" -> c.cleanErrors++;
          case "valid" -> c.loadedValid++;
          case "crash" -> c.crashes++;
          case "silent" -> c.silentWrong++;
          case "unclear" -> c.unclearMessages++;
          default -> throw new IllegalStateException(verdict);
        }
        if (!verdict.equals("clean") && !verdict.equals("valid")) {
          failures.add(in.family() + "/" + in.name() + ": " + verdict);
        }
      }
    } finally {
      worker.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    writeJson(Paths.get("target", "fault-corpus.json"), families, failures, seconds);
    assertThat(failures).as("corpus inputs that crashed, hung, loaded wrong values or gave an unclear error")
        .isEmpty();
    assertThat(corpus.size()).isGreaterThan(1000);
  }

  private static Path write(Path root, int n, FaultCorpus.Input in) throws IOException {
    String safe = in.name().replaceAll("[^A-Za-z0-9._=@-]", "_");
    Path dir = Files.createDirectories(root.resolve(in.family()));
    if (in.npy()) {
      Path d = Files.createDirectories(dir.resolve(n + "-" + safe));
      Files.write(d.resolve(in.npyKey() + ".npy"), in.bytes());
      return d;
    }
    Path f = dir.resolve(n + "-" + safe + ".pt");
    Files.write(f, in.bytes());
    return f;
  }

  private static String classify(FaultCorpus.Input in, Path file, Outcome o, Map<String, Map<String, Tensor>> reference) {
    if (o.error() != null) {
      Throwable t = o.error();
      if (!(t instanceof CheckpointFormatException) && !(t instanceof IllegalArgumentException)) {
        return "crash: " + t.getClass().getName() + ": " + firstLine(t.getMessage());
      }
      String m = t.getMessage();
      if (m == null || m.isBlank() || m.contains("\n") || m.length() > 600) {
        return "unclear: message not one short line: " + firstLine(m);
      }
      String name = in.npy() ? in.npyKey() + ".npy" : file.getFileName().toString();
      if (!m.contains(name)) {
        return "unclear: message does not name " + name + ": " + m;
      }
      return "clean";
    }
    Map<String, Tensor> got = o.loaded();
    switch (in.oracle()) {
      case ERROR:
        return "silent: loaded " + got.size() + " tensors from an input that must be refused";
      case EXPECTED: {
        Tensor want = in.expected();
        Tensor t = got.get(in.npyKey());
        return got.size() == 1 && t != null && same(t, want) ? "valid" : "silent: loaded " + got + " instead of " + want;
      }
      default: {
        Map<String, Tensor> ref = reference.get(in.name().startsWith("dot_checkpoint") ? "dot_checkpoint" : "dot_state_dict");
        boolean names = in.oracle() == FaultCorpus.Oracle.SAME;
        if (got.size() != ref.size()) {
          return "silent: loaded " + got.size() + " tensors, the reference has " + ref.size();
        }
        Iterator<Map.Entry<String, Tensor>> a = got.entrySet().iterator();
        for (Map.Entry<String, Tensor> r : ref.entrySet()) {
          Map.Entry<String, Tensor> g = a.next();
          if ((names && !g.getKey().equals(r.getKey())) || !same(g.getValue(), r.getValue())) {
            return "silent: tensor " + g.getKey() + " differs from reference " + r.getKey();
          }
        }
        return "valid";
      }
    }
  }

  /** Same shape and bit-identical values (NaN payloads included). */
  static boolean same(Tensor a, Tensor b) {
    if (!java.util.Arrays.equals(a.shape(), b.shape()) || a.size() != b.size()) {
      return false;
    }
    float[] x = a.data();
    float[] y = b.data();
    for (int i = 0; i < a.size(); i++) {
      if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(String s) {
    return s == null ? "(no message)" : s.lines().findFirst().orElse("");
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
      total.maxAllocatedBytes = Math.max(total.maxAllocatedBytes, c.maxAllocatedBytes);
      fam.append(fam.length() == 0 ? "" : ",\n").append("    \"").append(e.getKey()).append("\": ").append(json(c));
    }
    StringBuilder f = new StringBuilder();
    for (String s : failures.subList(0, Math.min(50, failures.size()))) {
      f.append(f.length() == 0 ? "" : ",\n").append("    \"").append(s.replace("\\", "\\\\").replace("\"", "\\\""))
          .append('"');
    }
    String text = "{\n  \"corpus\": \"spark-dlrm model files (FaultCorpus, seed " + FaultCorpus.SEED + ")\",\n"
        + "  \"seconds\": " + String.format(java.util.Locale.ROOT, "%.1f", seconds) + ",\n"
        + "  \"total\": " + json(total) + ",\n  \"families\": {\n" + fam + "\n  },\n  \"failures\": [\n" + f + "\n  ]\n}\n";
    Files.createDirectories(out.getParent());
    Files.write(out, text.getBytes(StandardCharsets.UTF_8));
  }

  private static String json(Counts c) {
    return "{\"inputs\": " + c.inputs + ", \"clean_errors\": " + c.cleanErrors + ", \"loaded_valid\": " + c.loadedValid
        + ", \"crashes\": " + c.crashes + ", \"silent_wrong\": " + c.silentWrong + ", \"unclear_messages\": "
        + c.unclearMessages + ", \"max_allocated_bytes\": " + c.maxAllocatedBytes + "}";
  }
}
