package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkfusion.common.io.HadoopIO;

/**
 * What {@link DagTrainer#fit} returns: the graph with its trained parameters. {@link #transform} appends the output
 * node's value per row ({@code outputCol}, flattened float32, computed on the executors in batches); {@link #loss}
 * is the mean loss over a labelled DataFrame; the weights are readable by name ({@link #parameterNames()},
 * {@link #parameter(String)}) and exportable as one {@code .npy} per parameter ({@link #exportNpy(String)});
 * {@link #history()} is the per-step loss and time of the run that trained it. Saves to any Hadoop path
 * atomically ({@code write().save(path)}: Spark ML metadata, {@code graph.json}, {@code weights/} as {@code .npy}
 * files with an index, {@code history.json}); loads with {@link #load(String)} or {@code PipelineModel.load}.
 */
public final class DagTrainModel extends Model<DagTrainModel> implements DagTrainParams, MLWritable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Rows per forward batch in {@link #transform} and {@link #loss}. */
  static final int BATCH = 256;

  private final String uid;
  private final Declared declared;
  private final Graph graph;
  private final TrainedWeights weights;
  private final transient TrainingReport summary;
  private final History history;

  /** The loss and elapsed seconds of every step the model's run trained, from {@code startStep}. */
  public record History(int startStep, List<Double> losses, List<Double> elapsedSeconds) { }

  DagTrainModel(String uid, Graph graph, TrainedWeights weights, TrainingReport summary) {
    this(uid, graph, weights, summary, summary == null ? new History(0, List.of(), List.of())
        : new History(summary.startStep(), summary.losses(), summary.elapsedSeconds()));
  }

  private DagTrainModel(String uid, Graph graph, TrainedWeights weights, TrainingReport summary, History history) {
    this.uid = uid;
    this.declared = new Declared(this);
    this.graph = graph;
    this.weights = weights;
    this.summary = summary;
    this.history = history;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Declared declared() {
    return declared;
  }

  public Graph graph() {
    return graph;
  }

  public DagTrainModel setOutputCol(String c) {
    set(outputCol(), c);
    return this;
  }

  public DagTrainModel setOutputNode(String n) {
    Inference.checkNode(graph, n);
    set(outputNode(), n);
    return this;
  }

  /** Whether {@link #summary()} is available (a model fitted in this session; not a loaded one). */
  public boolean hasSummary() {
    return summary != null;
  }

  /** The report of the run that trained this model (plan, links, timing). */
  public TrainingReport summary() {
    if (summary == null) {
      throw new IllegalStateException("a loaded DagTrainModel has no training summary; its history() is kept");
    }
    return summary;
  }

  /** Per-step loss and time of the training run (kept when the model is saved). */
  public History history() {
    return history;
  }

  /** Every trained parameter's name, {@code <node>.<parameter>} (e.g. {@code fc1.weight}), in graph order. */
  public List<String> parameterNames() {
    return weights.names(graph);
  }

  /** A copy of one trained parameter's values, row-major in its {@link #parameterShape(String) shape}. */
  public double[] parameter(String name) {
    int[] at = locate(name);
    return weights.values.get(graph.nodes().get(at[0]).name())[at[1]].clone();
  }

  /** One trained parameter as the bytes of a {@code .npy} file (what Python's wrapper hands to {@code numpy.load}). */
  public byte[] parameterNpy(String name) {
    return Npy.write(parameterShape(name), parameter(name));
  }

  public int[] parameterShape(String name) {
    int[] at = locate(name);
    return graph.nodes().get(at[0]).params()[at[1]].shape().clone();
  }

  private int[] locate(String name) {
    int dot = name.lastIndexOf('.');
    int node = dot < 0 ? -1 : graph.indexOf(name.substring(0, dot));
    if (node >= 0) {
      ParamSpec[] ps = graph.nodes().get(node).params();
      for (int k = 0; k < ps.length; k++) {
        if (ps[k].name().equals(name.substring(dot + 1))) {
          return new int[] {node, k};
        }
      }
    }
    throw new IllegalArgumentException("no parameter '" + name + "' (parameters: " + parameterNames() + ")");
  }

  /**
   * Writes one {@code <node>.<parameter>.npy} (float64, C order; {@code numpy.load} reads it) per parameter and an
   * {@code index.json} naming them into {@code dir} (any Hadoop path; written to a temporary sibling and renamed
   * when complete; fails if {@code dir} exists).
   */
  public void exportNpy(String dir) {
    Configuration conf = SparkSession.active().sparkContext().hadoopConfiguration();
    try {
      HadoopIO.writeDirectoryAtomically(new Path(dir), conf, false, (fs, tmp) -> weights.writeNpy(fs, tmp, graph));
    } catch (IOException e) {
      throw new UncheckedIOException("could not export the parameters to " + dir + ": " + e.getMessage(), e);
    }
  }

  private String target() {
    return getOutputNode().isEmpty() ? Inference.defaultOutput(graph) : getOutputNode();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (Node in : Inference.inputsOf(graph, target())) {
      checkInputColumn(schema, in);
    }
    if (Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
      throw new IllegalArgumentException("outputCol: the data already has a column '" + getOutputCol() + "'");
    }
    return schema.add(DataTypes.createStructField(getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false),
        false));
  }

  /** Fails naming the column unless {@code schema} has a column for graph input {@code in} of a usable type. */
  static void checkInputColumn(StructType schema, Node in) {
    if (!Arrays.asList(schema.fieldNames()).contains(in.name())) {
      throw new IllegalArgumentException("the data has no column '" + in.name() + "' for graph input '" + in.name()
          + "' (" + in.output() + "); columns: " + Arrays.toString(schema.fieldNames()));
    }
    DataType t = schema.apply(in.name()).dataType();
    boolean ok = t instanceof NumericType || t instanceof ArrayType a && a.elementType() instanceof NumericType;
    if (!ok) {
      throw new IllegalArgumentException("column '" + in.name() + "' must be a number or an array of numbers for graph"
          + " input '" + in.name() + "', it is " + t.simpleString());
    }
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    Dataset<Row> data = dataset.toDF();
    Broadcast<byte[]> payload = payload(data.sparkSession());
    return data.mapPartitions(new Forward(payload, target()), Encoders.row(out));
  }

  /** Mean loss over the rows of {@code dataset}, which must hold every graph input (the label too). */
  public double loss(Dataset<?> dataset) {
    Dataset<Row> data = dataset.toDF();
    for (Node in : graph.nodes().stream().filter(Node::isInput).toList()) {
      checkInputColumn(data.schema(), in);
    }
    Broadcast<byte[]> payload = payload(data.sparkSession());
    List<Row> parts = data.mapPartitions(new PartitionLoss(payload),
        Encoders.row(new StructType().add("sum", DataTypes.DoubleType).add("rows", DataTypes.LongType))).collectAsList();
    double sum = 0;
    long rows = 0;
    for (Row r : parts) {
      sum += r.getDouble(0);
      rows += r.getLong(1);
    }
    if (rows == 0) {
      throw new IllegalArgumentException("loss: the data has no rows");
    }
    return sum / rows;
  }

  private Broadcast<byte[]> payload(SparkSession spark) {
    byte[] bytes = BarrierTrainTask.encode(graph.toJson(), weights.encode());
    return spark.sparkContext().broadcast(bytes, scala.reflect.ClassTag$.MODULE$.apply(byte[].class));
  }

  private static Inference inference(byte[] payload, Graph[] graphOut) {
    Object[] d = BarrierTrainTask.decode(payload);
    Graph g = Graph.fromJson((String) d[0]);
    graphOut[0] = g;
    try {
      return new Inference(g, TrainedWeights.decode((byte[]) d[1], g));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The output node's value for each row, batch by batch. */
  private static final class Forward implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<byte[]> payload;
    private final String target;

    Forward(Broadcast<byte[]> payload, String target) {
      this.payload = payload;
      this.target = target;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      Graph[] g = new Graph[1];
      Inference inf = inference(payload.value(), g);
      List<Node> inputs = Inference.inputsOf(g[0], target);
      RowToSample conv = new RowToSample(inputs);
      int per = g[0].node(target).output().elements();
      return new Iterator<>() {
        private final List<Row> pending = new ArrayList<>();
        private int next;

        @Override
        public boolean hasNext() {
          if (next < pending.size()) {
            return true;
          }
          pending.clear();
          next = 0;
          List<Row> batch = new ArrayList<>(BATCH);
          List<float[][]> samples = new ArrayList<>(BATCH);
          while (batch.size() < BATCH && rows.hasNext()) {
            Row r = rows.next();
            batch.add(r);
            samples.add(conv.call(r).values);
          }
          if (batch.isEmpty()) {
            return false;
          }
          Tensor y = inf.forward(inputs, samples, target);
          for (int b = 0; b < batch.size(); b++) {
            float[] v = new float[per];
            for (int k = 0; k < per; k++) {
              v[k] = (float) y.data[b * per + k];
            }
            Object[] values = new Object[batch.get(b).size() + 1];
            for (int c = 0; c < values.length - 1; c++) {
              values[c] = batch.get(b).get(c);
            }
            values[values.length - 1] = scala.collection.immutable.ArraySeq$.MODULE$.unsafeWrapArray(v);
            pending.add(RowFactory.create(values));
          }
          return true;
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return pending.get(next++);
        }
      };
    }
  }

  /** Sum of per-row losses and the row count of one partition. */
  private static final class PartitionLoss implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<byte[]> payload;

    PartitionLoss(Broadcast<byte[]> payload) {
      this.payload = payload;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      Graph[] g = new Graph[1];
      Inference inf = inference(payload.value(), g);
      RowToSample conv = new RowToSample(g[0]);
      double sum = 0;
      long n = 0;
      List<float[][]> samples = new ArrayList<>(BATCH);
      while (rows.hasNext()) {
        samples.add(conv.call(rows.next()).values);
        if (samples.size() == BATCH || !rows.hasNext()) {
          sum += inf.loss(samples) * samples.size();
          n += samples.size();
          samples.clear();
        }
      }
      return List.of(RowFactory.create(sum, n)).iterator();
    }
  }

  @Override
  public DagTrainModel copy(ParamMap extra) {
    DagTrainModel m = new DagTrainModel(uid, graph, weights, summary, history);
    return copyValues(m, extra).setParent(parent());
  }

  // ---- persistence

  @Override
  public MLWriter write() {
    return new MLWriter() {
      /** Not MLWriter.save, which deletes an existing path first: HadoopIO replaces it only once complete. */
      @Override
      public void save(String path) {
        saveImpl(path);
      }

      @Override
      public void saveImpl(String path) {
        SparkSession spark = sparkSession();
        try {
          HadoopIO.writeDirectoryAtomically(new Path(path), spark.sparkContext().hadoopConfiguration(),
              shouldOverwrite(), (fs, dir) -> {
                DefaultParamsWriter.saveMetadata(DagTrainModel.this, dir.toString(), spark);
                writeText(fs, new Path(dir, "graph.json"), graph.toJson());
                weights.writeNpy(fs, new Path(dir, "weights"), graph);
                ObjectNode h = JSON.createObjectNode();
                h.put("start_step", history.startStep());
                h.set("loss", JSON.valueToTree(history.losses()));
                h.set("elapsed", JSON.valueToTree(history.elapsedSeconds()));
                if (summary != null) {
                  h.set("report", JSON.readTree(summary.toJson()));
                }
                writeText(fs, new Path(dir, "history.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(h));
              });
        } catch (IOException e) {
          throw new UncheckedIOException("could not save the DagTrainModel to " + path + ": " + e.getMessage(), e);
        }
      }
    };
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  private static void writeText(FileSystem fs, Path p, String text) throws IOException {
    try (FSDataOutputStream out = fs.create(p, false)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  public static MLReader<DagTrainModel> read() {
    return new MLReader<>() {
      @Override
      public DagTrainModel load(String path) {
        SparkSession spark = sparkSession();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        try {
          DefaultParamsReader.Metadata meta;
          try {
            meta = DefaultParamsReader.loadMetadata(path, spark, DagTrainModel.class.getName());
          } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
          }
          Path dir = new Path(path);
          Graph g = Graph.fromJson(new String(HadoopIO.readAllBytes(new Path(dir, "graph.json"), conf),
              StandardCharsets.UTF_8));
          TrainedWeights w = TrainedWeights.readNpy(HadoopIO.fileSystem(dir, conf), new Path(dir, "weights"), g);
          Path hp = new Path(dir, "history.json");
          JsonNode h = JSON.readTree(HadoopIO.readAllBytes(hp, conf));
          List<Double> losses = new ArrayList<>();
          h.path("loss").forEach(x -> losses.add(x.asDouble()));
          List<Double> elapsed = new ArrayList<>();
          h.path("elapsed").forEach(x -> elapsed.add(x.asDouble()));
          if (losses.size() != elapsed.size()) {
            throw new IOException(hp + ": " + losses.size() + " losses but " + elapsed.size() + " elapsed times");
          }
          DagTrainModel m = new DagTrainModel(meta.uid(), g, w, null,
              new History(h.path("start_step").asInt(), List.copyOf(losses), List.copyOf(elapsed)));
          meta.getAndSetParams(m, scala.Option.empty());
          return m;
        } catch (IOException | GraphValidationException e) {
          throw new IllegalArgumentException("could not load a DagTrainModel from " + path + ": " + e.getMessage(), e);
        }
      }
    };
  }

  public static DagTrainModel load(String path) {
    return read().load(path);
  }
}
