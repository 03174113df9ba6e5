package org.sparkfusion.dagtrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.common.kryo.SparkFusionKryoRegistrator;

/**
 * {@code bin/sparkfusion dagtrain --model gpt-tiny|resnet-small --stages N --compression
 * none|topk:F|randomk:F|int8|adatopk --steps S --seed S [--planner opfence|even] [--json OUT] [--master URL]}.
 * With {@code --stages 1} the model trains in this process (the reference); otherwise on a Spark session
 * ({@code --master}, spark-submit's master, or local[*]) with one barrier task per stage.
 */
public final class DagTrainJob {
  static final String USAGE = "usage: dagtrain --model gpt-tiny|resnet-small --stages N"
      + " --compression none|topk:F|randomk:F|int8|adatopk --steps S --seed S [--planner opfence|even] [--json OUT]"
      + " [--master URL] [--micro-batches M] [--micro-batch-size B] [--lr X] [--optimizer adam|sgd] [--schedule gpipe|1f1b] [--plan-png OUT]"
      + " [--conf key=value]...";

  private DagTrainJob() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a;
    try {
      a = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("dagtrain: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    TrainingReport r = run(a);
    System.out.println(r);
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> a = new LinkedHashMap<>();
    List<String> confs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String k = args[i];
      if (!k.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --flag value, got '" + k + "'");
      }
      String name = k.substring(2);
      if (!List.of("model", "stages", "compression", "steps", "seed", "planner", "json", "master", "micro-batches",
          "micro-batch-size", "lr", "optimizer", "plan-png", "schedule", "conf").contains(name)) {
        throw new IllegalArgumentException("unknown flag " + k);
      }
      if (name.equals("conf")) {
        confs.add(args[++i]);
      } else {
        a.put(name, args[++i]);
      }
    }
    a.put("conf", String.join("\n", confs));
    for (String req : List.of("model", "stages", "steps")) {
      if (!a.containsKey(req)) {
        throw new IllegalArgumentException("missing --" + req);
      }
    }
    a.putIfAbsent("compression", "none");
    a.putIfAbsent("seed", "1");
    a.putIfAbsent("planner", "opfence");
    if (!a.get("model").equals("gpt-tiny") && !a.get("model").equals("resnet-small")) {
      throw new IllegalArgumentException("--model must be gpt-tiny or resnet-small, got '" + a.get("model") + "'");
    }
    return a;
  }

  static int intFlag(Map<String, String> a, String name) {
    try {
      return Integer.parseInt(a.get(name));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, got '" + a.get(name) + "'");
    }
  }

  static TrainingReport run(Map<String, String> a) throws Exception {
    String model = a.get("model");
    int stages = intFlag(a, "stages");
    int steps = intFlag(a, "steps");
    long seed = Long.parseLong(a.get("seed"));
    Graph graph = model.equals("gpt-tiny") ? Models.gptTiny() : Models.resnetSmall();
    System.out.println("dagtrain: " + model + ", " + graph.size() + " ops, " + graph.parameterCount() + " parameters");
    List<Sample> samples = model.equals("gpt-tiny") ? BuiltInData.fortunes(32, 400_000) : BuiltInData.fashionMnist(6000);
    System.out.println("dagtrain: " + samples.size() + " training samples");
    DagTrainer trainer = new DagTrainer(graph).name(model).stages(stages).steps(steps).seed(seed)
        .compression(a.get("compression")).planner(a.get("planner"))
        .microBatchSize(a.containsKey("micro-batch-size") ? intFlag(a, "micro-batch-size") : (model.equals("gpt-tiny") ? 8 : 16));
    if (a.containsKey("micro-batches")) {
      trainer.microBatches(intFlag(a, "micro-batches"));
    }
    if (a.containsKey("schedule")) {
      trainer.schedule(a.get("schedule"));
    }
    if (a.containsKey("lr")) {
      trainer.learningRate(Double.parseDouble(a.get("lr")));
    }
    if (a.containsKey("optimizer")) {
      trainer.optimizer(a.get("optimizer"));
    }
    SparkConf conf = new SparkConf();
    if (a.containsKey("master")) {
      conf.setMaster(a.get("master"));
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", "sparkfusion-dagtrain");
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.setIfMissing("spark.kryo.registrator", SparkFusionKryoRegistrator.CLASS_NAME);
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    for (String kv : a.get("conf").split("\n")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--conf expects key=value, got '" + kv + "'");
      }
      conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    TrainingReport report;
    SparkSession spark = null;
    try {
      if (stages == 1) {
        // The reference: one process, no Spark needed (settings from --conf / defaults).
        TrainingSpec spec = trainer.spec(conf, 1);
        report = trainer.fitInProcess(samples, spec);
      } else {
        spark = SparkSession.builder().config(conf).getOrCreate();
        SparkFusionKryoRegistrator.requireRegisteredIfKryo(spark.sparkContext().getConf());
        report = trainer.fit(toDataFrame(spark, graph, samples));
      }
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
    printReport(report);
    if (a.containsKey("json")) {
      HadoopIO.writeFileAtomically(new Path(a.get("json")), new Configuration(), true,
          out -> out.write(report.toJson().getBytes(StandardCharsets.UTF_8)));
      System.out.println("dagtrain: wrote " + a.get("json"));
    }
    if (a.containsKey("plan-png") && !report.planJson().isEmpty()) {
      Plan.fromJson(report.planJson(), graph).writeSchedulePng(java.nio.file.Path.of(a.get("plan-png")),
          a.getOrDefault("schedule", "gpipe"));
      System.out.println("dagtrain: wrote " + a.get("plan-png"));
    }
    return report;
  }

  static Dataset<Row> toDataFrame(SparkSession spark, Graph graph, List<Sample> samples) {
    List<Row> rows = new ArrayList<>(samples.size());
    for (Sample s : samples) {
      Object[] cols = new Object[s.values.length];
      for (int i = 0; i < cols.length; i++) {
        cols[i] = scala.collection.immutable.ArraySeq.unsafeWrapArray(s.values[i]);
      }
      rows.add(RowFactory.create(cols));
    }
    return spark.createDataFrame(rows, DagTrainer.schemaFor(graph));
  }

  static void printReport(TrainingReport r) throws Exception {
    if (!r.planJson().isEmpty()) {
      System.out.println(Plan.fromJsonForDisplay(r.planJson()));
    }
    for (int i = 0; i < r.losses().size(); i++) {
      System.out.printf("step %d loss %.4f at %.2f s%n", r.startStep() + i, r.losses().get(i), r.elapsedSeconds().get(i));
    }
    for (TrainingReport.Link l : r.links()) {
      System.out.printf("link %s -> %s: %d bytes, kept fraction %.3f%n", l.from(), l.to(), l.bytes(), l.keptFraction());
    }
    System.out.printf("dagtrain: %d stage(s), final loss %.4f, %.1f s, %.1f samples/s%n", r.stages(), r.finalLoss(),
        r.seconds(), r.throughput());
  }
}
