package org.sparkfusion.upmem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Regenerates docs/benchmarks/upmem.md, docs/benchmarks/img/upmem-*.png and docs/benchmarks/data/upmem/summary.json
 * from one run's raw JSON alone (no measurement). Every configuration has one record ({@link Cfg}) built from
 * modeled.json and the rounds; every section prints from that record, so a figure cannot differ between sections.
 */
final class UpmemReport {
  private UpmemReport() {}

  /** Headline: Zipf s of the load target, the largest system, the best placement end to end. */
  static final double HEADLINE_S = 1.2;
  static final int HEADLINE_DPUS = 2560;

  /** Median and range over rounds. */
  record Stat(double median, double min, double max) {
    static Stat of(double[] v) {
      double[] s = v.clone();
      Arrays.sort(s);
      double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      return new Stat(med, s[0], s[s.length - 1]);
    }

    String fmt(String f) {
      return String.format(Locale.ROOT, f + " [" + f + "-" + f + "]", median, min, max);
    }
  }

  /** One configuration: modeled DPU side (computed once) and measured host routing (per round). */
  static final class Cfg {
    JsonNode modeled;
    double s;
    String strategy;
    int dpus;
    double dpuSide;
    double[] host;
    double[] cpuAll;
    double[] cpuOne;

    double e2e(int r) {
      return dpuSide + host[r];
    }

    Stat hostStat() {
      return Stat.of(host);
    }

    double e2eMedian() {
      return dpuSide + hostStat().median();
    }

    /** Speed-up end to end per round (CPU all cores of that round over that round's end to end). */
    Stat speedupE2e() {
      double[] v = new double[host.length];
      for (int r = 0; r < v.length; r++) {
        v[r] = cpuAll[r] / e2e(r);
      }
      return Stat.of(v);
    }

    Stat speedupDpuSide() {
      double[] v = new double[cpuAll.length];
      for (int r = 0; r < v.length; r++) {
        v[r] = cpuAll[r] / dpuSide;
      }
      return Stat.of(v);
    }

    double d(String field) {
      return modeled.get(field).asDouble();
    }
  }

  static Path latestRun(Path data) throws IOException {
    try (Stream<Path> s = Files.list(data)) {
      return s.filter(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))
          .max(Path::compareTo).orElseThrow(() -> new IOException("no run under " + data));
    }
  }

  static void write(Path root, String runId) throws IOException {
    Path data = root.resolve("docs/benchmarks/data/upmem");
    Path run = runId == null ? latestRun(data) : data.resolve(runId);
    JsonNode meta = UpmemBenchmark.read(run.resolve("meta.json"));
    JsonNode modeled = UpmemBenchmark.read(run.resolve("modeled.json"));
    int rounds = meta.get("rounds").asInt();
    Map<String, Cfg> cfgs = new LinkedHashMap<>();
    Map<String, Stat> cpuAll = new LinkedHashMap<>();
    Map<String, Stat> cpuOne = new LinkedHashMap<>();
    Map<String, List<String>> loads = new LinkedHashMap<>();
    for (JsonNode m : modeled.get("configurations")) {
      Cfg c = new Cfg();
      c.modeled = m;
      c.s = m.get("s").asDouble();
      c.strategy = m.get("strategy").asText();
      c.dpus = m.get("dpus").asInt();
      c.dpuSide = m.get("dpu_side_us").asDouble();
      c.host = new double[rounds];
      c.cpuAll = new double[rounds];
      c.cpuOne = new double[rounds];
      String s = UpmemBenchmark.sKey(c.s);
      for (int r = 0; r < rounds; r++) {
        Path f = run.resolve(String.format(Locale.ROOT, "s%s-round%d.json", s, r + 1));
        JsonNode round = UpmemBenchmark.read(f);
        JsonNode h = round.get("host_routing_us_per_batch").get(UpmemBenchmark.key(c.strategy, c.dpus));
        if (h == null) {
          throw new IOException(f + ": no host routing time for " + UpmemBenchmark.key(c.strategy, c.dpus));
        }
        c.host[r] = h.asDouble();
        c.cpuAll[r] = round.get("cpu_all_cores_us_per_batch").asDouble();
        c.cpuOne[r] = round.get("cpu_one_thread_us_per_batch").asDouble();
        if (r == 0) {
          loads.put(s, new ArrayList<>());
        }
        if (loads.get(s).size() == r) {
          loads.get(s).add(round.get("load_average").asText().split(" ")[0]);
        }
      }
      cpuAll.put(s, Stat.of(c.cpuAll));
      cpuOne.put(s, Stat.of(c.cpuOne));
      cfgs.put(s + "/" + UpmemBenchmark.key(c.strategy, c.dpus), c);
    }
    Cfg head = null;
    for (Cfg c : cfgs.values()) {
      if (c.s == HEADLINE_S && c.dpus == HEADLINE_DPUS && (head == null || c.e2eMedian() < head.e2eMedian())) {
        head = c;
      }
    }
    if (head == null) {
      throw new IOException(run + ": no configuration at s=" + HEADLINE_S + " with " + HEADLINE_DPUS + " DPUs");
    }
    List<Calibration.Row> cal = Calibration.rows();
    double[] calAll = Calibration.error(cal);
    double[] calHeld = Calibration.error(Calibration.heldOut(cal));
    Path img = root.resolve("docs/benchmarks/img");
    Files.createDirectories(img);

    StringBuilder md = new StringBuilder();
    md.append("# UPMEM embedding backend: benchmark\n\n");
    md.append("<!-- Generated by dev/bench-upmem.sh report (org.sparkfusion.upmem.UpmemReport) from "
        + "docs/benchmarks/data/upmem/").append(run.getFileName()).append("/. Do not edit. -->\n\n");
    md.append(String.format(Locale.ROOT, "**Headline (modeled): UPMEM at %,d DPUs, %s placement, Zipf s = %.1f, is "
        + "%.2fx the `cpu` backend on all %d cores of this machine end to end** (median over %d rounds, range "
        + "%.2f-%.2fx), and %.1fx on the DPU side alone. End to end = modeled DPU side (%.1f us: transfers + "
        + "launch + slowest DPU's kernel) + measured host routing (%.1f us, one thread, as the backend runs it); "
        + "CPU = %.1f us per batch on all cores. The cost model's error against the published UPMEM points it "
        + "can be checked on (section 4) is at most %.1f%% (median %.1f%%); the launch overhead in it is an "
        + "assumption (%.0f us, no published figure found), and the headline moves to %.2fx without it and %.2fx "
        + "at 10x it.%n%n",
        HEADLINE_DPUS, head.strategy, HEADLINE_S, head.speedupE2e().median(), meta.get("cores").asInt(), rounds,
        head.speedupE2e().min(), head.speedupE2e().max(), head.speedupDpuSide().median(), head.dpuSide,
        head.hostStat().median(), cpuAll.get(UpmemBenchmark.sKey(HEADLINE_S)).median(), 100 * calHeld[0],
        100 * calHeld[1], head.d("launch_us"), sensitivity(head, 0), sensitivity(head, 10)));
    md.append(String.format(Locale.ROOT, "Run `%s`: %s, %d cores (%s), load average at start %s, Java %s, "
        + "commit %s%s, %s to %s. Command: `%s`; report regenerated from the JSON alone by `dev/bench-upmem.sh "
        + "report %s`.%n%n",
        run.getFileName(), meta.get("os_arch").asText(), meta.get("cores").asInt(), meta.get("cpu_model").asText(),
        meta.get("load_average_at_start").asText(), meta.get("java").asText(), meta.get("commit").asText(),
        meta.get("worktree_clean").asBoolean() ? "" : " (with uncommitted changes)", meta.get("started").asText(),
        meta.get("finished").asText(), meta.get("command").asText(), run.getFileName()));
    md.append("**No UPMEM hardware was used.** Figures marked *modeled* come from `CostModel`: exact per-DPU kernel "
        + "counts (MRAM DMA operations and bytes, annotated instructions; equal to the emulator's counters, which a "
        + "test checks) and the published UPMEM figures in `HardwareFigures` (sources in section 4 and "
        + "docs/upmem.md). They are deterministic and computed once per configuration. Figures marked *measured* "
        + "(host routing, CPU backend) were measured on this machine in ").append(rounds).append(" rounds per Zipf "
        + "exponent, in an order rotated from round to round; tables give the median and [min-max] over rounds. "
        + "Each configuration has one record used by every section: *end to end* = DPU side + median host "
        + "routing, so every sum can be traced.\n\n");
    md.append(String.format(Locale.ROOT, "Data: synthetic Criteo-shaped tables (the 26 Criteo Kaggle cardinalities, "
        + "each capped at %,d rows: %,d rows, dim %d, %.2f GB fp32). Traces: Zipf(s) ids per table (hot ids "
        + "scattered by a fixed permutation), batches of %d samples, bag sizes uniform in 1..%d (mean %d), %d "
        + "profiling batches (drive balanced/cache-aware placement) then %d evaluated batches (reported; a fresh "
        + "sample of the same distribution). Tasklets %d, cache region %d rows per DPU, MRAM budget 56 MB per DPU "
        + "(8 MB kept for batches).%n%n",
        meta.get("row_cap").asLong(), meta.get("total_rows").asLong(), meta.get("dim").asInt(),
        meta.get("total_rows").asLong() * meta.get("dim").asInt() * 4 / 1e9, meta.get("batch_size").asInt(),
        2 * meta.get("mean_pooling").asInt() - 1, meta.get("mean_pooling").asInt(),
        meta.get("profile_batches").asInt(), meta.get("batches").asInt() - meta.get("profile_batches").asInt(),
        meta.get("tasklets").asInt(), meta.get("cache_rows_per_dpu").asInt()));

    String head1 = "| Zipf s | DPUs | strategy | max/mean fresh | max/mean profile | max/mean per batch | cache hit rate | "
        + "replica share | kernel (modeled) | transfers (modeled) | launch (assumed) | DPU side (modeled) | host "
        + "routing (measured) | end to end |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    md.append("## 1. Load balance per strategy (").append(UpmemBenchmark.REF_DPUS).append(" DPUs)\n\n");
    md.append("max/mean = row reads on the busiest DPU over the mean, summed over the evaluated batches (target <= "
        + "1.10 at s = 1.2). *fresh* = the evaluated batches, which the placement never saw; *profile* = the "
        + "profiling batches the placement was fitted to (in-sample); *per batch* = each evaluated batch's own "
        + "max/mean, averaged (the kernel waits for the busiest DPU of every launch). Cache hit rate = original "
        + "lookups served from the cache region (a pair sum serves two); replica share = lookups served by "
        + "balanced's hot-row replicas. Times in us per batch.\n\n");
    md.append(head1);
    for (Cfg c : cfgs.values()) {
      if (c.dpus == UpmemBenchmark.REF_DPUS) {
        md.append(row(c));
      }
    }
    md.append("\n![per-DPU load at s=1.2](img/upmem-load-s12.png)\n\n");
    perDpuPlot(cfgs, UpmemBenchmark.REF_DPUS, img.resolve("upmem-load-s12.png").toFile());

    md.append("## 2. Scaling from 64 to 2,560 DPUs\n\nSame columns and the same records as section 1.\n\n");
    md.append(head1);
    Map<String, double[]> scaling = new LinkedHashMap<>();
    StringBuilder target = new StringBuilder();
    for (String st : new String[] {"uniform", "balanced", "cache-aware"}) {
      for (double s : UpmemBenchmark.EXPONENTS) {
        double[] lat = new double[UpmemBenchmark.DPU_COUNTS.length];
        for (int i = 0; i < lat.length; i++) {
          Cfg c = cfgs.get(UpmemBenchmark.sKey(s) + "/" + UpmemBenchmark.key(st, UpmemBenchmark.DPU_COUNTS[i]));
          md.append(row(c));
          lat[i] = c.dpuSide;
          if (s == 1.2) {
            target.append(String.format(Locale.ROOT, "%s %d DPUs: %.3f fresh / %.3f profile (%s); ", st, c.dpus,
                c.d("max_mean_fresh"), c.d("max_mean_profile"), c.d("max_mean_fresh") <= 1.10 ? "meets 1.10"
                    : "misses 1.10"));
          }
        }
        scaling.put(String.format(Locale.ROOT, "%s s=%.2f", st, s), lat);
      }
    }
    md.append(String.format(Locale.ROOT, "%n**Load target at s = 1.2 (max/mean <= 1.10):** %s%n%n", target));
    md.append(String.format(Locale.ROOT, "How balanced and cache-aware get there: a DPU's fair share is the profiled "
        + "lookups over the DPUs; every row (and, for cache-aware, pair sum) heavier than 1/%.0f of it is replicated "
        + "into copies on distinct DPUs, so no single row can exceed a DPU's share (Criteo's 3-, 4- and 10-row "
        + "tables have rows worth many DPUs at s = 1.2). Copies and single rows are placed longest-processing-time "
        + "first, then refined; the router sends each replicated lookup to the least-loaded of its next %d copies. "
        + "At 2,560 DPUs a launch of %d samples has only about ten lookups per DPU, which is why the *per batch* "
        + "column grows with the DPU count while the summed load stays within the target.%n%n",
        Partitioner.PIECES_PER_FAIR_SHARE, Router.CHOICES, meta.get("batch_size").asInt()));
    md.append("![per-DPU load at s=1.2, 2,560 DPUs](img/upmem-load-s12-2560.png)\n\n");
    perDpuPlot(cfgs, 2560, img.resolve("upmem-load-s12-2560.png").toFile());
    md.append("![modeled DPU-side latency vs DPUs](img/upmem-scaling.png)\n\n");
    scalingPlot(scaling, img.resolve("upmem-scaling.png").toFile());

    md.append("## 3. Modeled UPMEM against the CPU backend on all cores, same batches\n\n");
    md.append(String.format(Locale.ROOT, "CPU: the DLRM module's `cpu` backend (fp32 gather + sum pooling, its "
        + "native/Vector-API kernel), on all %d cores: the backend is single-threaded per batch and thread-safe, "
        + "so the evaluated batches are split over %d threads sharing one backend, as a Spark executor with %d "
        + "task slots runs them; time per batch = wall time / batches (throughput), %d passes per round. The "
        + "one-thread column is the same backend on one thread, for reference. Same batches, same tables, fp32. "
        + "UPMEM end to end = modeled DPU side + measured host routing on one thread: the backend routes and runs "
        + "one batch at a time on its DPU set (a lock), so its host part does not spread over cores today. "
        + "Speed-up = CPU all-core time / UPMEM time, per round, median [min-max].%n%n",
        meta.get("cores").asInt(), meta.get("cpu_threads_all_cores").asInt(), meta.get("cpu_threads_all_cores").asInt(),
        meta.get("cpu_passes_per_round").asInt()));
    md.append("| Zipf s | CPU all cores (us/batch, measured) | CPU one thread (us/batch) | one thread / all cores "
        + "(medians) | 1-min load average at each round's start |\n|---|---|---|---|---|\n");
    for (String s : cpuAll.keySet()) {
      md.append("| ").append(s).append(" | ").append(cpuAll.get(s).fmt("%.0f")).append(" | ")
          .append(cpuOne.get(s).fmt("%.0f")).append(String.format(Locale.ROOT, " | %.2fx | ",
              cpuOne.get(s).median() / cpuAll.get(s).median())).append(String.join(", ", loads.get(s)))
          .append(" |\n");
    }
    md.append("\nA second thread that gains little over one (the one thread / all cores column near 1) means the "
        + "second core was not free or the gather is bound by a resource both cores share; the load average "
        + "column shows what else ran (the build lock keeps builds and benchmarks out, not everything).\n");
    md.append("\n| Zipf s | DPUs | strategy | CPU all cores (median) | UPMEM DPU side (modeled) | UPMEM end to end | "
        + "speed-up DPU side | speed-up end to end |\n|---|---|---|---|---|---|---|---|\n");
    double minE = Double.MAX_VALUE;
    double maxE = 0;
    double minD = Double.MAX_VALUE;
    double maxD = 0;
    List<Map<String, Object>> perCfg = new ArrayList<>();
    for (Cfg c : cfgs.values()) {
      Stat se = c.speedupE2e();
      Stat sd = c.speedupDpuSide();
      minE = Math.min(minE, se.median());
      maxE = Math.max(maxE, se.median());
      minD = Math.min(minD, sd.median());
      maxD = Math.max(maxD, sd.median());
      md.append(String.format(Locale.ROOT, "| %.2f | %d | %s | %.0f | %.1f | %.1f | %s | %s |%n", c.s, c.dpus,
          c.strategy, Stat.of(c.cpuAll).median(), c.dpuSide, c.e2eMedian(), sd.fmt("%.2fx"), se.fmt("%.2fx")));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("zipf_s", c.s);
      m.put("strategy", c.strategy);
      m.put("dpus", c.dpus);
      m.put("cpu_all_cores_us_median", Stat.of(c.cpuAll).median());
      m.put("dpu_side_us_modeled", c.dpuSide);
      m.put("host_routing_us_median", c.hostStat().median());
      m.put("end_to_end_us", c.e2eMedian());
      m.put("speedup_dpu_side_median", sd.median());
      m.put("speedup_end_to_end_median", se.median());
      m.put("speedup_end_to_end_min", se.min());
      m.put("speedup_end_to_end_max", se.max());
      perCfg.add(m);
    }
    md.append(String.format(Locale.ROOT, "%n**Where the model says we stand, and why.** On the DPU side alone "
        + "(modeled), UPMEM is %.2fx to %.1fx the all-core CPU backend on these batches; end to end %.2fx to "
        + "%.2fx. End to end is held back by the host routing, measured here in Java on one thread (every lookup "
        + "mapped to its DPU, replicas chosen, per-DPU lists built): in the headline configuration it is %.0f%% "
        + "of the end-to-end time. Uniform tiles route by arithmetic and are cheapest on the host but leave the busiest DPU far "
        + "above the mean; balanced and cache-aware placement cut the kernel and transfers but cost more routing. "
        + "The host's final reduce of the DPUs' partial sums is not in the host figure (not timed separately); "
        + "the DPU-side figures include transfers padded to the largest DPU's share per rank and one assumed "
        + "launch overhead per batch.%n%n", minD, maxD, minE, maxE, 100 * head.hostStat().median() / head.e2eMedian()));
    md.append("Functional check on the emulator (one rank of 64 DPUs; wall time is functional emulation, not a "
        + "performance figure): max |difference| of the pooled values to an fp64 reference = the fixed-point "
        + "error.\n\n| Zipf s | strategy | emulator wall (us/batch) | max abs diff |\n|---|---|---|---|\n");
    for (JsonNode e : modeled.get("emulator")) {
      md.append(String.format(Locale.ROOT, "| %.2f | %s | %.0f | %.1e |%n", e.get("s").asDouble(),
          e.get("strategy").asText(), e.get("emulator_wall_us_per_batch").asDouble(),
          e.get("max_abs_diff_vs_fp64_reference").asDouble()));
    }

    md.append("\n## 4. Calibration of the cost model against published UPMEM measurements\n\n");
    md.append("Each published microbenchmark point next to what `CostModel` predicts for the same experiment "
        + "(`Calibration`, checked by `CalibrationTest`). Sources: PrIM = Gómez-Luna et al., *Benchmarking a New "
        + "Paradigm: An Experimental Analysis of a Real Processing-in-Memory Architecture*, arXiv 2105.03814 (2021) "
        + "/ IEEE Access 10 (2022); labels as in docs/upmem.md ([S]: values as quoted from the paper's section 3 "
        + "by secondary sources and our notes; the paper's body could not be opened from this machine to re-read "
        + "them). *fitted* points set a model constant, so their error is zero by construction and says nothing; "
        + "the calibration error is stated over the points that test the model.\n\n");
    md.append("| point | published | modeled | rel. error | fitted | source |\n|---|---|---|---|---|---|\n");
    for (Calibration.Row r : cal) {
      String unit = r.point().kind().name().startsWith("MRAM") ? "MB/s" : "GB/s";
      md.append(String.format(Locale.ROOT, "| %s | %.2f %s | %.2f %s | %+.1f%% | %s | %s |%n", r.point().name(),
          r.point().published(), unit, r.modeled(), unit, 100 * r.relErr(), r.point().fitted() ? "yes" : "no",
          r.point().source()));
    }
    md.append(String.format(Locale.ROOT, "%n**Calibration error:** max |rel. error| %.1f%%, median %.1f%% over the %d "
        + "points that test the model (MRAM streaming bandwidth: the alpha + beta latency model with one DMA at a "
        + "time); over all %d points including the fitted ones, max %.1f%%, median %.1f%%. The host-transfer "
        + "bandwidth between 1 and 64 DPUs (power law through the two published points per direction) and "
        + "across ranks (assumed parallel) has no published intermediate point here to test it on; all "
        + "configurations above use full ranks (64 DPUs), where the model equals the published rank figure.%n%n",
        100 * calHeld[0], 100 * calHeld[1], Calibration.heldOut(cal).size(), cal.size(), 100 * calAll[0],
        100 * calAll[1]));
    md.append(String.format(Locale.ROOT, "**Launch/synchronisation overhead:** no published figure was found (PrIM and "
        + "the SDK documentation as far as we could read them); the model assumes %.0f us per batch (one launch). "
        + "Sensitivity of the headline configuration (%s, %,d DPUs, s = %.1f): ", head.d("launch_us"),
        head.strategy, HEADLINE_DPUS, HEADLINE_S));
    for (double f : new double[] {0, 1, 10}) {
      md.append(String.format(Locale.ROOT, "launch %.0f us: end to end %.2fx, DPU side %.1fx; ",
          f * head.d("launch_us"), sensitivity(head, f), sensitivityDpu(head, f)));
    }
    md.append("\n");
    Path out = root.resolve("docs/benchmarks/upmem.md");
    Path tmp = out.resolveSibling(".upmem.md.tmp");
    Files.writeString(tmp, md.toString(), StandardCharsets.UTF_8);
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("run_id", run.getFileName().toString());
    summary.put("modeled_speedup_vs_cpu_all_cores", round3(head.speedupE2e().median()));
    summary.put("headline", Map.of("basis", "end to end (modeled DPU side + measured host routing), median over rounds",
        "zipf_s", HEADLINE_S, "dpus", HEADLINE_DPUS, "strategy", head.strategy,
        "chosen_as", "the placement with the lowest end-to-end time at the largest system, s = 1.2"));
    summary.put("modeled_speedup_vs_cpu_all_cores_dpu_side", round3(head.speedupDpuSide().median()));
    summary.put("cpu_threads", meta.get("cpu_threads_all_cores").asInt());
    summary.put("rounds", rounds);
    summary.put("calibration_max_abs_rel_err", round3(calHeld[0]));
    summary.put("calibration_median_abs_rel_err", round3(calHeld[1]));
    summary.put("launch_overhead_us_assumed", head.d("launch_us"));
    summary.put("configurations", perCfg);
    Path sum = data.resolve("summary.json");
    Path sumTmp = data.resolve(".summary.json.tmp");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(sumTmp.toFile(), summary);
    Files.move(sumTmp, sum, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("wrote " + out + ", " + img + "/upmem-*.png and " + sum + " from " + run);
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** Headline end-to-end speed-up (median over rounds) with the launch overhead scaled by f. */
  private static double sensitivity(Cfg c, double f) {
    double side = c.dpuSide + (f - 1) * c.d("launch_us");
    double[] v = new double[c.host.length];
    for (int r = 0; r < v.length; r++) {
      v[r] = c.cpuAll[r] / (side + c.host[r]);
    }
    return Stat.of(v).median();
  }

  private static double sensitivityDpu(Cfg c, double f) {
    return Stat.of(c.cpuAll).median() / (c.dpuSide + (f - 1) * c.d("launch_us"));
  }

  private static String row(Cfg c) {
    return String.format(Locale.ROOT, "| %.2f | %d | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f | %.1f | "
        + "%.1f | %s | %.1f |%n", c.s, c.dpus, c.strategy, c.d("max_mean_fresh"), c.d("max_mean_profile"),
        c.d("max_mean_per_batch"), c.d("cache_hit_rate"), c.d("replica_share"), c.d("kernel_us"),
        c.d("transfer_us"), c.d("launch_us"), c.dpuSide, c.hostStat().fmt("%.1f"), c.e2eMedian());
  }

  private static void perDpuPlot(Map<String, Cfg> cfgs, int dpus, File file) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(450)
        .title(String.format(Locale.ROOT, "Per-DPU lookups over the fresh batches, Zipf s=1.2, %,d DPUs (sorted)", dpus))
        .xAxisTitle("DPU (sorted by load)").yAxisTitle("lookups / mean (log scale)").build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setMarkerSize(0);
    for (Cfg c : cfgs.values()) {
      JsonNode l = c.modeled.get("per_dpu_lookups");
      if (c.s != 1.2 || c.dpus != dpus || l == null) {
        continue;
      }
      long[] v = new long[l.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = l.get(i).asLong();
      }
      Arrays.sort(v);
      double mean = Arrays.stream(v).average().orElse(1);
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int i = 0; i < v.length; i++) {
        x.add((double) i);
        y.add(Math.max(v[v.length - 1 - i] / mean, 1e-2)); // log axis: idle DPUs drawn at 0.01
      }
      chart.addSeries(c.strategy, x, y);
    }
    BitmapEncoder.saveBitmap(chart, file.getPath(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void scalingPlot(Map<String, double[]> series, File file) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(450)
        .title("Modeled DPU-side batch latency (transfers + launch + kernel)")
        .xAxisTitle("DPUs").yAxisTitle("us per batch (modeled)").build();
    chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
        .setLegendPosition(Styler.LegendPosition.InsideNE);
    List<Double> x = new ArrayList<>();
    for (int d : UpmemBenchmark.DPU_COUNTS) {
      x.add((double) d);
    }
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      List<Double> y = new ArrayList<>();
      for (double v : e.getValue()) {
        y.add(Math.max(v, 1e-3));
      }
      chart.addSeries(e.getKey(), x, y);
    }
    BitmapEncoder.saveBitmap(chart, file.getPath(), BitmapEncoder.BitmapFormat.PNG);
  }
}
