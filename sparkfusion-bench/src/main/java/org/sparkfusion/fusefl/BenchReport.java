package org.sparkfusion.fusefl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Renders {@code docs/benchmarks/fusefl.md} and accuracy-vs-alpha plots from the JSON files FuseFLJob wrote
 * ({@code dev/bench-fusefl.sh} calls it). Usage: {@code BenchReport <runs-dir> <out.md> <img-dir> <header-file>
 * [<notes-file>]}: the header, the main table (the runs listed in {@code <runs-dir>/CURRENT}, if present), the notes,
 * then every run, the cost and scale tables and the plots.
 */
final class BenchReport {
  private static final String[] METHODS = {"fusefl", "ensemble", "fedavg", "local"};
  /** Paper Table 2 (M=5, ResNet-18), FuseFL K=2 / K=4 and Ensemble, alpha 0.1 / 0.3 / 0.5. */
  private static final Map<String, double[]> PAPER = Map.of(
      "fmnist fusefl 2", new double[] {83.15, 89.94, 89.47},
      "fmnist fusefl 4", new double[] {83.05, 84.58, 90.50},
      "fmnist ensemble", new double[] {67.71, 87.25, 89.42},
      "fmnist fedavg", new double[] {41.69, 82.96, 83.72},
      "mnist fusefl 2", new double[] {97.02, 98.43, 98.54},
      "mnist fusefl 4", new double[] {97.19, 98.34, 98.29},
      "mnist ensemble", new double[] {86.81, 96.76, 97.22},
      "mnist fedavg", new double[] {48.24, 72.94, 90.55});

  private BenchReport() {}

  public static void main(String[] args) throws Exception {
    File runs = new File(args[0]);
    File md = new File(args[1]);
    File img = new File(args[2]);
    String header = Files.readString(new File(args[3]).toPath());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> all = new ArrayList<>();
    File[] files = runs.listFiles((d, n) -> n.endsWith(".json"));
    Arrays.sort(files);
    for (File f : files) {
      all.add(json.readTree(f));
    }
    StringBuilder sb = new StringBuilder(header);
    File current = new File(runs, "CURRENT");
    if (current.isFile()) {
      sb.append(mainTable(current, json));
    }
    if (args.length > 4) {
      sb.append('\n').append(Files.readString(new File(args[4]).toPath()));
    }
    sb.append("\n## All runs: accuracy (%, test split), every variant, older ones included\n\n");
    sb.append("Paper: Tang et al. 2024, Table 2 (ResNet-18, M=5, full data, 200 epochs). Ours: the backbone and "
        + "settings in the last columns (FuseFL clients at width round(w/sqrt(M))). `local` = best single client model on the test split.\n\n");
    sb.append("| dataset | M | alpha | K | ours FuseFL | paper FuseFL | ours Ensemble | paper Ensemble | ours FedAvg | "
        + "paper FedAvg | ours best local | FuseFL - Ensemble | backbone | train rows | test rows | epochs | width | FuseFL s "
        + "| baselines s | load average |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonNode r : all) {
      if (r.path("clients").asInt() != 5 || r.path("label").asText().equals("scale")) {
        continue;
      }
      String ds = r.path("dataset").asText();
      int a = alphaIndex(r.path("alpha").asDouble());
      int k = r.path("blocks").asInt();
      Map<String, JsonNode> by = byMethod(r);
      sb.append(String.format("| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %d | %s "
          + "| %s | %s |%n",
          ds, r.path("clients").asInt(), r.path("alpha").asText(), k, pct(by.get("fusefl")),
          paper(ds + " fusefl " + k, a), pct(by.get("ensemble")), paper(ds + " ensemble", a), pct(by.get("fedavg")),
          paper(ds + " fedavg", a), pct(by.get("local")), diff(by.get("fusefl"), by.get("ensemble")),
          variant(r), r.path("train_limit").asInt() == 0 ? "all" : r.path("train_limit").asText(), r.path("test_rows").asLong(),
          r.path("epochs").asInt(), r.path("width").asInt(),
          seconds(by.get("fusefl")), seconds(by.get("ensemble")), r.path("load_avg").asText("not recorded")));
    }
    sb.append("\n## Cost per method\n\nBytes: float32 parameters moved by the FL protocol (FuseFL: K uploads of one block "
        + "per client, every client receiving all M blocks per stage, the classifier heads and the CCVR class statistics; "
        + "FedAvg: one model up and the average down per client; Ensemble: one model up and all M down per client). "
        + "Peak memory: largest heap + ND4J off-heap use seen in a client task (MB). Parameters: values held at "
        + "inference (the fused model: all branches + head; ensemble: all M members).\n\n");
    sb.append("| dataset | M | alpha | K | backbone | method | seconds | bytes up | bytes down | peak MB | parameters |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonNode r : all) {
      for (JsonNode m : r.path("results")) {
        sb.append(String.format("| %s | %d | %s | %d | %s | %s | %.0f | %d | %d | %.0f | %d |%n", r.path("dataset").asText(),
            r.path("clients").asInt(), r.path("alpha").asText(), r.path("blocks").asInt(),
            variant(r), m.path("method").asText(),
            m.path("seconds").asDouble(), m.path("bytes_up").asLong(), m.path("bytes_down").asLong(),
            m.path("peak_memory_mb").asDouble(), m.path("parameters").asLong()));
      }
    }
    sb.append("\n## Scale (FuseFL wall time vs number of clients)\n\n| dataset | M | alpha | K | backbone | epochs | width "
        + "| client width | accuracy % | seconds | seconds per client | parameters | load average |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonNode r : scaleRuns(all)) {
      JsonNode f = byMethod(r).get("fusefl");
      int m = r.path("clients").asInt();
      int w = r.path("width").asInt();
      long cw = r.path("scale_width").asBoolean(true) ? Math.max(1, Math.round(w / Math.sqrt(m))) : w;
      sb.append(String.format("| %s | %d | %s | %d | %s | %d | %d | %d | %s | %.0f | %.1f | %d | %s |%n",
          r.path("dataset").asText(), m, r.path("alpha").asText(), r.path("blocks").asInt(), variant(r),
          r.path("epochs").asInt(), w, cw, pct(f), f.path("seconds").asDouble(), f.path("seconds").asDouble() / m,
          f.path("parameters").asLong(), r.path("load_avg").asText("not recorded")));
    }
    img.mkdirs();
    for (String ds : List.of("fmnist", "mnist")) {
      for (int k : new int[] {2, 4}) {
        XYChart chart = new XYChartBuilder().width(640).height(420)
            .title(ds + ", M=5, K=" + k + ": test accuracy vs alpha").xAxisTitle("alpha").yAxisTitle("accuracy %").build();
        boolean any = false;
        java.util.TreeSet<String> backbones = new java.util.TreeSet<>();
        for (JsonNode r : all) {
          backbones.add(series(r));
        }
        for (String backbone : backbones) {
          for (String method : METHODS) {
            TreeMap<Double, Double> points = new TreeMap<>();
            for (JsonNode r : all) {
              if (r.path("dataset").asText().equals(ds) && r.path("clients").asInt() == 5 && r.path("blocks").asInt() == k
                  && !r.path("label").asText().equals("scale") && series(r).equals(backbone)) {
                JsonNode m = byMethod(r).get(method);
                if (m != null) {
                  points.put(r.path("alpha").asDouble(), 100 * m.path("accuracy").asDouble());
                }
              }
            }
            if (!points.isEmpty()) {
              chart.addSeries(method + " (" + backbone + ")", new ArrayList<>(points.keySet()),
                  new ArrayList<>(points.values()));
              any = true;
            }
          }
        }
        double[] paper = PAPER.get(ds + " fusefl " + k);
        if (any && paper != null) {
          chart.addSeries("paper FuseFL (ResNet-18)", new double[] {0.1, 0.3, 0.5}, paper);
        }
        if (any) {
          String name = "fusefl-" + ds + "-K" + k + "-accuracy.png";
          BitmapEncoder.saveBitmap(chart, new File(img, name).getPath(), BitmapEncoder.BitmapFormat.PNG);
          sb.append("\n![").append(ds).append(" K=").append(k).append("](img/").append(name).append(")\n");
        }
      }
    }
    Files.write(md.toPath(), sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The main table: one row per JSON file named in {@code current} (one name a line, '#' starts a comment), in that
   * order, with the target each cell is judged by (Fashion-MNIST K=2: the paper's FuseFL cell; MNIST: 96%).
   */
  static String mainTable(File current, ObjectMapper json) throws java.io.IOException {
    StringBuilder sb = new StringBuilder("\n## Main results: the current setting per dataset and K (%, test split)\n\n");
    sb.append("One row per cell with the setting chosen for that dataset and K (listed in `fusefl-runs/CURRENT`); every "
        + "other run, older variants included, is in the \"All runs\" table further down. Target: Fashion-MNIST K=2 at or "
        + "above the paper's FuseFL cell, MNIST at or above 96 %; the paper's Fashion-MNIST K=4 cells are for reference "
        + "(no target). `-` = not run at this setting.\n\n");
    sb.append("| dataset | K | alpha | setting | epochs | ours FuseFL | paper FuseFL | target | met | ours Ensemble "
        + "| ours FedAvg | ours best local | FuseFL s | load average |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (String line : Files.readAllLines(current.toPath())) {
      String name = line.replaceAll("#.*", "").trim();
      if (name.isEmpty()) {
        continue;
      }
      File f = new File(current.getParentFile(), name);
      if (!f.isFile()) {
        throw new IllegalArgumentException(current + " names " + name + ", which is not a file in " + f.getParent());
      }
      JsonNode r = json.readTree(f);
      String ds = r.path("dataset").asText();
      int k = r.path("blocks").asInt();
      int a = alphaIndex(r.path("alpha").asDouble());
      Map<String, JsonNode> by = byMethod(r);
      double[] target = target(ds, k);
      JsonNode fusefl = by.get("fusefl");
      String goal = target == null || a < 0 ? "-" : String.format(">= %.2f", target[a]);
      String met = target == null || a < 0 || fusefl == null ? "-"
          : 100 * fusefl.path("accuracy").asDouble() + 1e-9 >= target[a] ? "yes" : "**no**";
      sb.append(String.format("| %s | %d | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", ds, k,
          r.path("alpha").asText(), variant(r), r.path("epochs").asInt(), pct(fusefl), paper(ds + " fusefl " + k, a),
          goal, met, pct(by.get("ensemble")), pct(by.get("fedavg")), pct(by.get("local")), seconds(fusefl),
          r.path("load_avg").asText("not recorded")));
    }
    return sb.toString();
  }

  /** The accuracy target per alpha, or null when it sets none (Fashion-MNIST K != 2). */
  static double[] target(String dataset, int blocks) {
    if (dataset.equals("mnist")) {
      return new double[] {96, 96, 96};
    }
    return dataset.equals("fmnist") && blocks == 2 ? PAPER.get("fmnist fusefl 2") : null;
  }

  /**
   * The backbone plus what else changes the network or its training: "cnn+shift2", "cnn+shift2@stage1" (FuseFL
   * augments its first stage only), "cnn+own" (adaptors start from the own branch), "cnn lr0.02", "cnn (unscaled)",
   * "cnn ccvr10" (CCVR passes other than 5), "cnn seed2" (a seed other than 1).
   */
  static String variant(JsonNode r) {
    String v = r.path("backbone").asText("cnn4");
    int shift = r.path("augment_shift").asInt(0);
    if (shift > 0) {
      v += "+shift" + shift;
    }
    if (r.path("augment_flip").asBoolean(false)) {
      v += "+flip";
    }
    if ((shift > 0 || r.path("augment_flip").asBoolean(false)) && !r.path("augment_fused_stages").asBoolean(true)) {
      v += "@stage1";
    }
    if (r.path("lr_schedule").asText("constant").equals("cosine")) {
      v += "+cos";
    }
    if (r.path("adaptor_init").asText("random").equals("own-branch")) {
      v += "+own";
    }
    double lr = r.path("lr").asDouble(0.01);
    if (lr != 0.01) {
      v += " lr" + lr;
    }
    int passes = r.path("calibration_epochs").asInt(5);
    if (passes != 5) {
      v += " ccvr" + passes;
    }
    if (!r.path("scale_width").asBoolean(true)) {
      v += " (unscaled)";
    }
    long seed = r.path("seed").asLong(1);
    if (seed != 1) {
      v += " seed" + seed;
    }
    return v;
  }

  /** A plot series: the variant and its number of local epochs, so runs of one variant at other lengths stay apart. */
  static String series(JsonNode r) {
    return variant(r) + ", " + r.path("epochs").asInt() + " ep";
  }

  /** The scale runs with a FuseFL result, by dataset, variant, alpha, K and then number of clients M. */
  static List<JsonNode> scaleRuns(List<JsonNode> all) {
    List<JsonNode> rows = new ArrayList<>();
    for (JsonNode r : all) {
      if (r.path("label").asText().equals("scale") && byMethod(r).containsKey("fusefl")) {
        rows.add(r);
      }
    }
    rows.sort(java.util.Comparator.<JsonNode, String>comparing(r -> r.path("dataset").asText())
        .thenComparing(BenchReport::variant)
        .thenComparingDouble(r -> r.path("alpha").asDouble())
        .thenComparingInt(r -> r.path("blocks").asInt())
        .thenComparingInt(r -> r.path("clients").asInt()));
    return rows;
  }

  private static Map<String, JsonNode> byMethod(JsonNode r) {
    Map<String, JsonNode> m = new TreeMap<>();
    for (JsonNode x : r.path("results")) {
      m.put(x.path("method").asText(), x);
    }
    return m;
  }

  private static String seconds(JsonNode m) {
    return m == null ? "-" : String.format("%.0f", m.path("seconds").asDouble());
  }

  private static int alphaIndex(double a) {
    return Math.abs(a - 0.1) < 1e-9 ? 0 : Math.abs(a - 0.3) < 1e-9 ? 1 : Math.abs(a - 0.5) < 1e-9 ? 2 : -1;
  }

  private static String paper(String key, int alphaIndex) {
    double[] v = PAPER.get(key);
    return v == null || alphaIndex < 0 ? "-" : String.format("%.2f", v[alphaIndex]);
  }

  private static String pct(JsonNode m) {
    return m == null ? "-" : String.format("%.2f", 100 * m.path("accuracy").asDouble());
  }

  private static String diff(JsonNode a, JsonNode b) {
    return a == null || b == null ? "-"
        : String.format("%+.2f", 100 * (a.path("accuracy").asDouble() - b.path("accuracy").asDouble()));
  }
}
