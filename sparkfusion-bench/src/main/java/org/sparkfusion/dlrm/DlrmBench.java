package org.sparkfusion.dlrm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.dlrm.checkpoint.ModelFiles;
import org.sparkfusion.dlrm.checkpoint.Tensor;
import org.sparkfusion.dlrm.core.DlrmNetwork;
import org.sparkfusion.dlrm.core.DlrmScorer;
import org.sparkfusion.dlrm.core.Interaction;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;
import org.sparkfusion.dlrm.embedding.PinnedTables;
import org.sparkfusion.dlrm.embedding.CpuBackendProvider;
import org.sparkfusion.dlrm.embedding.CpuInt8BackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingBackendProvider;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * Java side of {@code dev/bench-dlrm.sh} (not user API). {@code prepare DIR} writes the inputs both sides share
 * (gather index files, a Criteo-shaped model as .npy, rows); {@code round DIR OUT THREADS N} measures one round of
 * ours into a raw JSON file. The script alternates these rounds with PyTorch's ({@code dev/bench/dlrm_torch.py})
 * and {@code dev/bench/dlrm_report.py} writes the report from the JSON files alone.
 */
final class DlrmBench {
  private static final int BAGS = 2048;
  private static final int POOLING = 32;
  private static final int BATCHES = 4;
  private static final int E2E_ROWS = 100_000;
  private static final int E2E_BATCH = 2048;
  private static final long E2E_MAX_TABLE_ROWS = 500_000;

  private DlrmBench() {}

  record GatherCase(String name, int tables, int rows, int dim, boolean zipf) {
    String file() {
      return "gather-" + name + ".i32";
    }
  }

  static final List<GatherCase> CASES = List.of(
      new GatherCase("cache-resident 8x4096x64 uniform", 8, 4096, 64, false),
      new GatherCase("large 4x1Mx64 uniform", 4, 1 << 20, 64, false),
      new GatherCase("large 4x1Mx64 zipf", 4, 1 << 20, 64, true));

  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args[1]);
    if (args[0].equals("prepare")) {
      prepare(dir);
    } else if (args[0].equals("round")) {
      round(dir, Paths.get(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
    } else {
      throw new IllegalArgumentException("usage: DlrmBench prepare DIR | round DIR OUT.json THREADS ROUND");
    }
  }

  // ---------------------------------------------------------------- prepare

  static void prepare(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("e2e"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode meta = json.createObjectNode();
    ArrayNode cases = meta.putArray("gather");
    for (GatherCase c : CASES) {
      SplittableRandom r = new SplittableRandom(c.name().hashCode());
      ByteBuffer buf = ByteBuffer.allocate(4 * BATCHES * c.tables() * BAGS * POOLING).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < BATCHES * c.tables() * BAGS * POOLING; i++) {
        buf.putInt(c.zipf() ? scatter(SyntheticCriteo.zipfId(r, c.rows()), c.rows()) : r.nextInt(c.rows()));
      }
      Files.write(dir.resolve(c.file()), buf.array());
      cases.addObject().put("name", c.name()).put("file", c.file()).put("tables", c.tables()).put("rows", c.rows())
          .put("dim", c.dim()).put("bags", BAGS).put("pooling", POOLING).put("batches", BATCHES);
    }
    int[] tableRows = SyntheticCriteo.tableRows(E2E_MAX_TABLE_ROWS);
    int dim = 16;
    int n = tableRows.length;
    Map<String, Tensor> model = SyntheticCriteo.randomModel(tableRows, dim, new int[] {13, 512, 256, 64, dim},
        new int[] {dim + (n + 1) * n / 2, 512, 256, 1}, 42);
    ModelFiles.writeNpyDirectory(dir.resolve("e2e/model").toString(), model, new Configuration(), true);
    SyntheticCriteo.RowGenerator gen = new SyntheticCriteo.RowGenerator(tableRows, 1, 7);
    ByteBuffer dense = ByteBuffer.allocate(4 * E2E_ROWS * 13).order(ByteOrder.LITTLE_ENDIAN);
    int[][] sparse = new int[n][E2E_ROWS];
    java.util.Iterator<Row> rows = gen.call(java.util.stream.LongStream.range(0, E2E_ROWS).boxed().iterator());
    for (int i = 0; i < E2E_ROWS; i++) {
      Row row = rows.next();
      for (Object v : row.getList(1)) {
        dense.putFloat((Float) v);
      }
      List<Object> bags = row.getList(2);
      for (int t = 0; t < n; t++) {
        sparse[t][i] = (Integer) ((scala.collection.Seq<?>) bags.get(t)).head();
      }
    }
    Files.write(dir.resolve("e2e/dense.f32"), dense.array());
    ByteBuffer sp = ByteBuffer.allocate(4 * E2E_ROWS * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int[] t : sparse) {
      for (int v : t) {
        sp.putInt(v);
      }
    }
    Files.write(dir.resolve("e2e/sparse.i32"), sp.array());
    meta.putObject("e2e").put("rows", E2E_ROWS).put("dense", 13).put("tables", n).put("batch", E2E_BATCH)
        .put("describe", DlrmNetwork.fromStateDict("bench", model, Interaction.DOT, false).describe());
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("meta.json").toFile(), meta);
    System.out.println("prepared " + dir);
  }

  /** Spreads Zipf-hot ids over the table (a fixed odd multiplier mod a power of two is a bijection). */
  private static int scatter(int id, int rows) {
    return (int) ((id * 0x9E3779B1L) & (rows - 1));
  }

  private static final Map<String, String> NATIVE_OFF = Map.of(DlrmConf.CPU_NATIVE_POOLING.key(), "false");

  /** Batch sizes of the end-to-end cells (the headline cells) and of the latency cells. */
  static final int[] E2E_BATCHES = {2048, 64};
  static final int[] LATENCY_BATCHES = {1, 64, 2048};

  /**
   * One round of the Java side, written as raw JSON to {@code out}: every gather case (fp32 backend with its native
   * kernel, the same with the kernel off, int8), the end-to-end paths at each batch size, latency per batch on one
   * thread, the first 1000 scores (the report checks them against PyTorch's) and the process's huge-page use.
   * dev/bench-dlrm.sh alternates these rounds with PyTorch's; nothing here keeps a best figure.
   */
  static void round(Path dir, Path out, int threads, int round) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode res = json.createObjectNode();
    res.put("side", "spark-fusion").put("round", round).put("threads", threads)
        .put("started", java.time.Instant.now().toString())
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("vector_api", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent())
        .put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION())
        .put("jvm_transparent_huge_pages", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
            .contains("-XX:+UseTransparentHugePages"));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      ObjectNode gather = res.putObject("gather");
      for (GatherCase c : CASES) {
        ObjectNode g = gather.putObject(c.name());
        EmbeddingTables tables = randomTables(c);
        g.put("fp32", gatherThroughput(dir, c, tables, new CpuBackendProvider(), Map.of(), pool, threads));
        g.put("fp32_native_kernel_off", gatherThroughput(dir, c, tables, new CpuBackendProvider(), NATIVE_OFF, pool, threads));
        g.put("int8", gatherThroughput(dir, c, tables, new CpuInt8BackendProvider(), Map.of(), pool, threads));
        g.put("aligned_storage_held", !LOST_ALIGNMENT.contains(c.name()));
        System.out.printf("round %d ours gather %-34s fp32 %.1f M/s, kernel off %.1f M/s, int8 %.1f M/s%n", round,
            c.name(), g.get("fp32").asDouble() / 1e6, g.get("fp32_native_kernel_off").asDouble() / 1e6,
            g.get("int8").asDouble() / 1e6);
      }
      endToEnd(dir, pool, threads, res);
    } finally {
      pool.shutdownNow();
    }
    res.put("anon_huge_pages_kb", anonHugePagesKb());
    res.put("finished", java.time.Instant.now().toString());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
    json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), res);
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("wrote " + out);
  }

  /** AnonHugePages of this process (kB), from /proc/self/smaps_rollup; -1 where the kernel has no such file. */
  static long anonHugePagesKb() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/smaps_rollup"))) {
        if (line.startsWith("AnonHugePages:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return -1;
  }

  /** Cases whose "aligned" tables did not have row 0 on a cache line after the measurement (reported). */
  static final java.util.Set<String> LOST_ALIGNMENT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Random tables of case {@code c}, stored as a loaded model stores them (rows on cache lines, tables below G1's
   * humongous size pinned in a shared array, {@link PinnedTables}).
   */
  static EmbeddingTables randomTables(GatherCase c) {
    CacheAlignedRows[] tables = new CacheAlignedRows[c.tables()];
    int[] sizes = new int[c.tables()];
    for (int t = 0; t < tables.length; t++) {
      SplittableRandom r = new SplittableRandom(t);
      int n = c.rows() * c.dim();
      sizes[t] = n;
      tables[t] = CacheAlignedRows.allocate(n);
      float[] a = tables[t].array();
      for (int k = 0; k < n; k++) {
        a[tables[t].base() + k] = (float) r.nextDouble();
      }
    }
    CacheAlignedRows[] w = PinnedTables.pin(tables, sizes);
    return new EmbeddingTables() {
      public int numTables() {
        return w.length;
      }

      public int dim() {
        return c.dim();
      }

      public long rows(int table) {
        return c.rows();
      }

      public float[] weights(int table) {
        return w[table].array();
      }

      public int rowBase(int table) {
        return w[table].base();
      }
    };
  }

  /** Lookups per second with {@code threads} threads, each pooling its share of every batch's bags. */
  static double gatherThroughput(Path dir, GatherCase c, EmbeddingTables tables, EmbeddingBackendProvider provider,
      Map<String, String> conf, ExecutorService pool, int threads) throws Exception {
    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(c.file()))).order(ByteOrder.LITTLE_ENDIAN);
    int per = BAGS * POOLING;
    int bagsPerThread = BAGS / threads;
    // [batch][thread][table][...]
    int[][][][] idx = new int[BATCHES][threads][c.tables()][bagsPerThread * POOLING];
    for (int b = 0; b < BATCHES; b++) {
      for (int t = 0; t < c.tables(); t++) {
        for (int k = 0; k < per; k++) {
          int v = buf.getInt(4 * ((b * c.tables() + t) * per + k));
          int th = k / (bagsPerThread * POOLING);
          if (th < threads) {
            idx[b][th][t][k - th * bagsPerThread * POOLING] = v;
          }
        }
      }
    }
    int[][] offsets = new int[c.tables()][bagsPerThread + 1];
    for (int t = 0; t < c.tables(); t++) {
      for (int k = 0; k <= bagsPerThread; k++) {
        offsets[t][k] = k * POOLING;
      }
    }
    EmbeddingBackend backend = provider.open(tables, conf, List.of());
    float[][] outs = new float[threads][bagsPerThread * c.tables() * c.dim()];
    int[] next = {0};
    Runnable oneBatch = () -> {
      int b = next[0]++ % BATCHES;
      List<Future<?>> fs = new ArrayList<>();
      for (int th = 0; th < threads; th++) {
        int me = th;
        fs.add(pool.submit(() -> backend.pool(bagsPerThread, idx[b][me], offsets, outs[me])));
      }
      for (Future<?> f : fs) {
        try {
          f.get();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    };
    double sec = timed(oneBatch, 1.5, 3);
    backend.close();
    for (int t = 0; t < c.tables(); t++) {
      if (!new CacheAlignedRows(tables.weights(t), tables.rowBase(t)).aligned()) {
        LOST_ALIGNMENT.add(c.name());
      }
    }
    return (double) c.tables() * bagsPerThread * threads * POOLING / sec;
  }

  static double timed(Runnable r, double minSeconds, int warmup) {
    for (int i = 0; i < warmup; i++) {
      r.run();
    }
    long t0 = System.nanoTime();
    int n = 0;
    while (true) {
      r.run();
      n++;
      double el = (System.nanoTime() - t0) / 1e9;
      if (el >= minSeconds && n >= 3) {
        return el / n;
      }
    }
  }

  /** The end-to-end and latency cells of one round, into {@code res}. */
  static void endToEnd(Path dir, ExecutorService pool, int threads, ObjectNode res) throws Exception {
    String modelPath = dir.resolve("e2e/model").toString();
    DlrmNetwork net = DlrmNetwork.fromStateDict(modelPath, ModelFiles.read(modelPath, new Configuration()),
        Interaction.DOT, false);
    DlrmScorer fp32 = new DlrmScorer(net, new CpuBackendProvider().open(net.tables(), Map.of(), List.of()), false);
    DlrmScorer int8 = new DlrmScorer(net, new CpuInt8BackendProvider().open(net.tables(), Map.of(), List.of()), false);
    int n = E2E_ROWS;
    int nt = net.numTables();
    ByteBuffer db = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("e2e/dense.f32"))).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer sb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("e2e/sparse.i32"))).order(ByteOrder.LITTLE_ENDIAN);
    float[][] dense = new float[n][13];
    long[][][] sparse = new long[n][nt][1];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 13; k++) {
        dense[i][k] = db.getFloat(4 * (i * 13 + k));
      }
      for (int t = 0; t < nt; t++) {
        sparse[i][t][0] = sb.getInt(4 * (t * n + i));
      }
    }
    ObjectNode e = res.putObject("e2e");
    e.put("describe", net.describe()).put("rows", n);
    // The first 1000 scores (the report compares them with PyTorch's), and int8 against fp32 on all rows.
    ArrayNode first = e.putArray("ctr_first");
    for (float v : scoreRange(fp32, dense, sparse, 0, 1000)) {
      first.add(v);
    }
    double int8Max = 0;
    double int8Sum = 0;
    for (int lo = 0; lo < n; lo += E2E_BATCH) {
      int hi = Math.min(n, lo + E2E_BATCH);
      float[] a = scoreRange(fp32, dense, sparse, lo, hi);
      float[] b = scoreRange(int8, dense, sparse, lo, hi);
      for (int i = 0; i < a.length; i++) {
        int8Max = Math.max(int8Max, Math.abs(a[i] - b[i]));
        int8Sum += Math.abs(a[i] - b[i]);
      }
    }
    e.put("int8_max_abs_diff", int8Max).put("int8_mean_abs_diff", int8Sum / n);
    // Core scorer, threads in parallel over batches (no Spark).
    ObjectNode core = e.putObject("core_rows_per_s");
    for (int bs : E2E_BATCHES) {
      Runnable all = () -> {
        List<Future<?>> fs = new ArrayList<>();
        for (int th = 0; th < threads; th++) {
          int me = th;
          fs.add(pool.submit(() -> {
            for (int lo = me * bs; lo < n; lo += threads * bs) {
              scoreRange(fp32, dense, sparse, lo, Math.min(n, lo + bs));
            }
          }));
        }
        for (Future<?> f : fs) {
          try {
            f.get();
          } catch (Exception ex) {
            throw new IllegalStateException(ex);
          }
        }
      };
      core.put(String.valueOf(bs), n / timed(all, 2.0, 1));
    }
    ObjectNode lat = res.putObject("latency_ms");
    for (int size : LATENCY_BATCHES) {
      lat.putObject(String.valueOf(size)).put("threads_1", timed(() -> scoreRange(fp32, dense, sparse, 0, size), 1.0, 20) * 1e3);
    }
    System.out.printf("ours core rows/s %s, latency ms %s%n", core, lat);

    SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("dlrm-bench")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", String.valueOf(threads)).getOrCreate();
    try {
      List<Row> rows = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        List<Float> d = new ArrayList<>(13);
        for (float v : dense[i]) {
          d.add(v);
        }
        List<scala.collection.immutable.Seq<Integer>> s = new ArrayList<>(nt);
        for (int t = 0; t < nt; t++) {
          s.add(scala.jdk.javaapi.CollectionConverters.asScala(List.of((int) sparse[i][t][0])).toSeq());
        }
        rows.add(org.apache.spark.sql.RowFactory.create((long) i,
            scala.jdk.javaapi.CollectionConverters.asScala(d).toSeq(),
            scala.jdk.javaapi.CollectionConverters.asScala(s).toSeq()));
      }
      Dataset<Row> df = spark.createDataFrame(rows, SyntheticCriteo.SCHEMA).repartition(threads).cache();
      df.count();
      df.createOrReplaceTempView("bench_rows");
      DlrmFunctions.register(spark, modelPath);
      ObjectNode transform = e.putObject("transform_rows_per_s");
      ObjectNode sql = e.putObject("sql_rows_per_s");
      // One untimed pass of every Spark path first: the first one measured used to run while Spark's and our row
      // conversion code was still being compiled (transform at batch 2048, measured first, read half of SQL's rate
      // on the same scorer in run 20261207T123542Z).
      for (int bs : E2E_BATCHES) {
        new DlrmModel().setModelPath(modelPath).setBatchSize(bs).transform(df)
            .agg(org.apache.spark.sql.functions.sum("ctr")).collect();
        spark.conf().set(DlrmConf.BATCH_SIZE.key(), String.valueOf(bs));
        spark.sql("SELECT sum(ctr) FROM (SELECT dlrm_predict(dense, sparse) AS ctr FROM bench_rows)").collect();
      }
      for (int bs : E2E_BATCHES) {
        DlrmModel stage = new DlrmModel().setModelPath(modelPath).setBatchSize(bs);
        transform.put(String.valueOf(bs),
            n / timed(() -> stage.transform(df).agg(org.apache.spark.sql.functions.sum("ctr")).collect(), 3.0, 1));
        spark.conf().set(DlrmConf.BATCH_SIZE.key(), String.valueOf(bs));
        sql.put(String.valueOf(bs), n / timed(() -> spark.sql(
            "SELECT sum(ctr) FROM (SELECT dlrm_predict(dense, sparse) AS ctr FROM bench_rows)").collect(), 3.0, 1));
      }
      System.out.printf("ours DlrmModel.transform rows/s %s, SQL dlrm_predict rows/s %s%n", transform, sql);
    } finally {
      spark.stop();
    }
  }

  static float[] scoreRange(DlrmScorer scorer, float[][] dense, long[][][] sparse, int lo, int hi) {
    DlrmScorer.Batch b = scorer.newBatch(hi - lo);
    for (int i = lo; i < hi; i++) {
      b.add(dense[i], sparse[i], "row " + i);
    }
    return scorer.score(b);
  }

}
