package org.sparkfusion.upmem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparkfusion.dlrm.embedding.CpuBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * The UPMEM benchmark behind dev/bench-upmem.sh. {@code run} measures and writes raw JSON only, under
 * docs/benchmarks/data/upmem/RUN_ID/: meta.json (machine, commit, settings), modeled.json (per configuration the
 * exact load figures and the modeled DPU-side latency, deterministic, computed once) and one file per Zipf
 * exponent and round with every measured figure of that round (CPU backend on all cores and on one thread, host
 * routing of every configuration, in an order rotated from round to round). {@code report} regenerates
 * docs/benchmarks/upmem.md, its plots and data/upmem/summary.json from those files alone ({@link UpmemReport}).
 */
public final class UpmemBenchmark {

  /** Criteo Kaggle's 26 categorical cardinalities (the DLRM reference's --arch-embedding-size for Kaggle). */
  static final long[] CRITEO_KAGGLE = {1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593,
      3194, 27, 14992, 5461306, 10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572};
  static final double[] EXPONENTS = {0.8, 1.05, 1.2};
  static final int[] DPU_COUNTS = {64, 256, 1024, 2560};
  static final int REF_DPUS = 256;
  static final int DIM = 16;
  static final int BATCH_SIZE = 128;
  static final int POOLING = 8;
  static final int BATCHES = 30;
  static final int PROFILE = 10;
  /** Timed passes over the evaluated batches inside one round of a CPU measurement (their mean is the sample). */
  static final int CPU_PASSES = 5;

  private UpmemBenchmark() {}

  static TableShapes criteoShaped(long cap, int dim) {
    long[] rows = new long[CRITEO_KAGGLE.length];
    for (int t = 0; t < rows.length; t++) {
      rows[t] = Math.min(cap, CRITEO_KAGGLE[t]);
    }
    return new TableShapes(rows, dim);
  }

  /** The configurations of one Zipf exponent: every strategy at 256 DPUs, and uniform/balanced/cache-aware at all. */
  static List<String[]> configurations() {
    List<String[]> c = new ArrayList<>();
    for (Strategy st : new Strategy[] {Strategy.UNIFORM, Strategy.BALANCED, Strategy.CACHE_AWARE}) {
      for (int d : DPU_COUNTS) {
        c.add(new String[] {st.id, String.valueOf(d)});
      }
    }
    c.add(new String[] {Strategy.COLUMN.id, String.valueOf(REF_DPUS)});
    return c;
  }

  static String key(String strategy, int dpus) {
    return strategy + "@" + dpus;
  }

  static String sKey(double s) {
    return String.format(Locale.ROOT, "%.2f", s);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || !(args[0].equals("run") || args[0].equals("report"))) {
      System.err.println("usage: UpmemBenchmark run ROOT [ROW_CAP] [ROUNDS] | report ROOT [RUN_ID]");
      System.exit(2);
    }
    Path root = Paths.get(args[1]).toAbsolutePath().normalize();
    if (args[0].equals("report")) {
      UpmemReport.write(root, args.length > 2 ? args[2] : null);
      return;
    }
    long cap = args.length > 2 ? Long.parseLong(args[2]) : 2_000_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    if (rounds < 5) {
      throw new IllegalArgumentException("ROUNDS must be at least 5, got " + rounds);
    }
    String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
    Path data = root.resolve("docs/benchmarks/data/upmem");
    Path tmp = data.resolve("." + runId + ".tmp");
    Files.createDirectories(tmp);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    int threads = Runtime.getRuntime().availableProcessors();
    TableShapes shapes = criteoShaped(cap, DIM);

    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("run_id", runId);
    meta.put("started", Instant.now().toString());
    meta.put("cores", threads);
    meta.put("cpu_model", cpuModel());
    meta.put("load_average_at_start", loadAverage());
    meta.put("os_arch", System.getProperty("os.arch"));
    meta.put("java", System.getProperty("java.version"));
    meta.put("commit", git(root, "rev-parse", "HEAD"));
    meta.put("worktree_clean", git(root, "status", "--porcelain", "--untracked-files=no").isEmpty());
    meta.put("command", "flock /tmp/sparkfusion-build.lock dev/bench-upmem.sh run " + cap + " " + rounds);
    meta.put("row_cap", cap);
    meta.put("total_rows", shapes.totalRows());
    meta.put("dim", DIM);
    meta.put("batch_size", BATCH_SIZE);
    meta.put("mean_pooling", POOLING);
    meta.put("batches", BATCHES);
    meta.put("profile_batches", PROFILE);
    meta.put("rounds", rounds);
    meta.put("cpu_passes_per_round", CPU_PASSES);
    meta.put("cpu_threads_all_cores", threads);
    meta.put("tasklets", 16);
    meta.put("cache_rows_per_dpu", 256);
    meta.put("launch_overhead_us_assumed", HardwareFigures.LAUNCH_OVERHEAD_US_ASSUMED);
    json.writeValue(tmp.resolve("meta.json").toFile(), meta);

    List<Map<String, Object>> modeled = new ArrayList<>();
    List<Map<String, Object>> emulator = new ArrayList<>();
    EmbeddingTables tables = randomTables(shapes);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (EmbeddingBackend cpu = new CpuBackendProvider().open(tables, Map.of(), List.of())) {
      for (double s : EXPONENTS) {
        PartitionStudy study = new PartitionStudy(shapes, Trace.zipf(shapes, s, BATCHES, BATCH_SIZE, POOLING, 42), PROFILE);
        List<Batch> eval = study.trace.batches.subList(PROFILE, BATCHES);
        Map<String, Placement> placed = new LinkedHashMap<>();
        for (String[] c : configurations()) {
          Placement p = study.place(Strategy.parse(c[0]), Integer.parseInt(c[1]));
          placed.put(key(c[0], p.nrDpus), p);
          modeled.add(modeledEntry(s, study, p));
          System.out.printf(Locale.ROOT, "s=%.2f %s placed and modeled%n", s, key(c[0], p.nrDpus));
        }
        for (Strategy st : new Strategy[] {Strategy.UNIFORM, Strategy.CACHE_AWARE}) {
          double[] e = emulated(tables, study, st, eval);
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("s", s);
          m.put("strategy", st.id);
          m.put("dpus", 64);
          m.put("emulator_wall_us_per_batch", e[0]);
          m.put("max_abs_diff_vs_fp64_reference", e[1]);
          emulator.add(m);
        }
        // Warm-up (JIT) of every measured path, untimed.
        cpuAllCores(cpu, eval, pool, threads);
        cpuOneThread(cpu, eval);
        for (Placement p : placed.values()) {
          study.hostRoutingUs(p);
        }
        List<String> items = new ArrayList<>();
        items.add("cpu_all_cores");
        items.add("cpu_one_thread");
        items.addAll(placed.keySet());
        for (int r = 0; r < rounds; r++) {
          List<String> order = new ArrayList<>(items);
          Collections.rotate(order, -r * Math.max(1, items.size() / rounds));
          Map<String, Object> round = new LinkedHashMap<>();
          round.put("s", s);
          round.put("round", r + 1);
          round.put("order", order);
          round.put("load_average", loadAverage());
          Map<String, Double> host = new LinkedHashMap<>();
          for (String item : order) {
            if (item.equals("cpu_all_cores")) {
              round.put("cpu_all_cores_us_per_batch", cpuAllCores(cpu, eval, pool, threads));
            } else if (item.equals("cpu_one_thread")) {
              round.put("cpu_one_thread_us_per_batch", cpuOneThread(cpu, eval));
            } else {
              host.put(item, study.hostRoutingUs(placed.get(item)));
            }
          }
          round.put("host_routing_us_per_batch", host);
          json.writeValue(tmp.resolve(String.format(Locale.ROOT, "s%s-round%d.json", sKey(s), r + 1)).toFile(), round);
          System.out.printf(Locale.ROOT, "s=%.2f round %d: cpu all cores %.0f us, one thread %.0f us%n", s, r + 1,
              round.get("cpu_all_cores_us_per_batch"), round.get("cpu_one_thread_us_per_batch"));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("configurations", modeled);
    m.put("emulator", emulator);
    json.writeValue(tmp.resolve("modeled.json").toFile(), m);
    meta.put("finished", Instant.now().toString());
    json.writeValue(tmp.resolve("meta.json").toFile(), meta);
    Path dir = data.resolve(runId);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("wrote " + dir);
    UpmemReport.write(root, runId);
  }

  private static Map<String, Object> modeledEntry(double s, PartitionStudy study, Placement p) {
    LoadReport r = study.modeled(p);
    LoadReport in = study.evaluateOnProfile(p);
    int n = Math.max(1, r.batches);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", s);
    m.put("strategy", p.strategy.id);
    m.put("dpus", p.nrDpus);
    m.put("batches", r.batches);
    m.put("max_mean_fresh", r.maxMeanLoad());
    m.put("max_mean_profile", in.maxMeanLoad());
    m.put("max_mean_per_batch", r.perBatchMaxMean());
    m.put("cache_hit_rate", r.cacheHitRate());
    m.put("replica_share", r.replicaShare());
    m.put("kernel_us", r.kernelUsSum / n);
    m.put("transfer_us", r.transferUsSum / n);
    m.put("launch_us", r.launchUsSum / n);
    m.put("dpu_side_us", r.dpuSideUs());
    m.put("lookups", r.originalLookups);
    if (s == 1.2 && (p.nrDpus == REF_DPUS || p.nrDpus == 2560)) {
      m.put("per_dpu_lookups", r.lookups); // for the per-DPU load plots
    }
    return m;
  }

  /**
   * The cpu backend on all cores: the evaluated batches split over {@code threads} threads sharing one backend
   * (it is thread-safe and single-threaded per batch), as an executor with that many task slots runs them; each
   * thread runs its share {@link #CPU_PASSES} times without waiting for the others, into its own output buffer.
   * Throughput time per batch = wall time until the last thread is done / (passes x batches).
   */
  static double cpuAllCores(EmbeddingBackend cpu, List<Batch> eval, ExecutorService pool, int threads)
      throws Exception {
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int j = 0; j < threads; j++) {
      int first = j;
      done.add(pool.submit(() -> {
        float[] out = new float[maxOut(eval)];
        start.await();
        for (int pass = 0; pass < CPU_PASSES; pass++) {
          for (int i = first; i < eval.size(); i += threads) {
            Batch b = eval.get(i);
            cpu.pool(b.numBags, b.indices, b.offsets, out);
          }
        }
        return null;
      }));
    }
    Thread.sleep(20); // let every worker reach the latch
    long t0 = System.nanoTime();
    start.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    return (System.nanoTime() - t0) / 1e3 / (CPU_PASSES * eval.size());
  }

  static double cpuOneThread(EmbeddingBackend cpu, List<Batch> eval) {
    float[] out = new float[maxOut(eval)];
    long t0 = System.nanoTime();
    for (int pass = 0; pass < CPU_PASSES; pass++) {
      for (Batch b : eval) {
        cpu.pool(b.numBags, b.indices, b.offsets, out);
      }
    }
    return (System.nanoTime() - t0) / 1e3 / (CPU_PASSES * eval.size());
  }

  private static int maxOut(List<Batch> eval) {
    int n = 0;
    for (Batch b : eval) {
      n = Math.max(n, b.numBags * b.numTables() * DIM);
    }
    return n;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return "unknown";
  }

  private static String git(Path root, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** Random fp32 tables of the given shapes. */
  static EmbeddingTables randomTables(TableShapes shapes) {
    float[][] w = new float[shapes.numTables()][];
    SplittableRandom r = new SplittableRandom(5);
    for (int t = 0; t < w.length; t++) {
      w[t] = new float[Math.toIntExact(shapes.rows[t] * shapes.dim)];
      for (int i = 0; i < w[t].length; i++) {
        w[t][i] = (float) (r.nextDouble() - 0.5) * 0.1f;
      }
    }
    return new EmbeddingTables() {
      @Override
      public int numTables() {
        return w.length;
      }

      @Override
      public int dim() {
        return shapes.dim;
      }

      @Override
      public long rows(int table) {
        return shapes.rows[table];
      }

      @Override
      public float[] weights(int table) {
        return w[table];
      }
    };
  }

  /** Runs the evaluated batches on the emulator (one rank of 64 DPUs): wall us/batch and max |diff| to fp64. */
  private static double[] emulated(EmbeddingTables tables, PartitionStudy study, Strategy st, List<Batch> eval) {
    Map<String, String> conf = new java.util.HashMap<>();
    conf.put(UpmemConfig.STRATEGY.key(), st.id);
    conf.put(UpmemConfig.PROFILE_BATCHES.key(), String.valueOf(study.profileBatches));
    try (DpuEmbeddingBackend emu = (DpuEmbeddingBackend) new UpmemEmuBackendProvider().open(tables, conf,
        List.of("0"))) {
      for (Batch b : study.trace.batches.subList(0, study.profileBatches)) {
        emu.pool(b.numBags, b.indices, b.offsets, new float[b.numBags * tables.numTables() * tables.dim()]);
      }
      double maxDiff = 0;
      long t0 = System.nanoTime();
      for (Batch b : eval) {
        float[] out = new float[b.numBags * tables.numTables() * tables.dim()];
        emu.pool(b.numBags, b.indices, b.offsets, out);
        maxDiff = Math.max(maxDiff, RandomTables.maxDiff(RandomTables.referencePool(tables, b), out));
      }
      return new double[] {(System.nanoTime() - t0) / 1e3 / eval.size(), maxDiff};
    }
  }

  /** Reads a JSON file of a run. */
  static JsonNode read(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }
}
