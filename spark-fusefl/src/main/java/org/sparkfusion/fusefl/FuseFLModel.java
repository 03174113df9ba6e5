package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.fusefl.core.Adaptor;
import org.sparkfusion.fusefl.core.FusedNetwork;
import org.sparkfusion.fusefl.core.ImageShape;
import org.sparkfusion.fusefl.core.Networks;
import org.sparkfusion.fusefl.core.OffHeapGuard;
import org.sparkfusion.fusefl.core.Predictor;
import org.sparkfusion.fusefl.core.PredictorFiles;

/**
 * A model trained by {@link FuseFL}: the fused FuseFL network, or a baseline (FedAvg average, ensemble, one
 * local model). {@code transform} adds {@code predictionCol} (double) and {@code probabilityCol} (ML vector)
 * from {@code featuresCol} (array of numbers or ML vector, channels first, in the shape given by
 * {@code inputShape}). It carries every {@link FuseFLParams} value of the estimator that trained it. Saves to
 * any Hadoop path atomically ({@code write().save(path)}); loads with
 * {@link #load(String)}, {@link #read()} or {@code PipelineModel.load}.
 */
public final class FuseFLModel extends Model<FuseFLModel> implements FuseFLParams, MLWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final transient Predictor predictor;
  private transient FuseFLSummary summary;
  private final Declared declared;

  FuseFLModel(String uid, Predictor predictor, ImageShape shape) {
    this.uid = uid;
    this.predictor = predictor;
    this.declared = new Declared(this);
    set(inputShape(), new int[] {shape.channels(), shape.height(), shape.width()});
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Declared declared() {
    return declared;
  }

  // The Params (those of the FuseFL that trained it), accessors and getters are FuseFLParams'; a model's own
  // settings are its columns.
  public FuseFLModel setFeaturesCol(String v) {
    set(featuresCol(), v);
    return this;
  }

  public FuseFLModel setPredictionCol(String v) {
    set(predictionCol(), v);
    return this;
  }

  public FuseFLModel setProbabilityCol(String v) {
    set(probabilityCol(), v);
    return this;
  }

  /** Number of classes the model predicts. */
  public int numClasses() {
    return predictor.numClasses();
  }

  /** Values held at inference time (parameters and BatchNorm statistics, all branches / members). */
  public long parameterCount() {
    return predictor.parameterCount();
  }

  /** What training measured (time, bytes, memory); null for a loaded model. */
  public FuseFLSummary summary() {
    return summary;
  }

  FuseFLModel withSummary(FuseFLSummary s) {
    this.summary = s;
    return this;
  }

  Predictor predictor() {
    return predictor;
  }

  ImageShape shape() {
    int[] s = getInputShape();
    return new ImageShape(s[0], s[1], s[2]);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String f = getFeaturesCol();
    if (!Arrays.asList(schema.fieldNames()).contains(f)) {
      throw new IllegalArgumentException("features column '" + f + "' not found in " + schema.simpleString());
    }
    FuseFL.checkFeaturesType(schema, f);
    return FuseFL.addOutputColumns(schema, "FuseFLModel", getPredictionCol(), getProbabilityCol());
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    Dataset<Row> df = FuseFL.featuresAsFloatArray(dataset.toDF(), getFeaturesCol(), "_fusefl_features");
    SparkSession spark = dataset.sparkSession();
    Broadcast<byte[]> model = spark.sparkContext().broadcast(Blobs.pack(predictor.toFiles()),
        scala.reflect.ClassTag$.MODULE$.apply(byte[].class));
    int batch = FuseFLConfig.PREDICT_BATCH.get(spark.conf());
    int featureIndex = Arrays.asList(df.columns()).indexOf("_fusefl_features");
    Dataset<Row> predicted = df.mapPartitions(new PredictTask(model, featureIndex, shape(), batch, df.columns().length),
        Encoders.row(out.add("_fusefl_features", DataTypes.createArrayType(DataTypes.FloatType))));
    return predicted.drop("_fusefl_features");
  }

  /** Executor side: batches rows through the model. */
  static final class PredictTask implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<byte[]> model;
    private final int featureIndex;
    private final ImageShape shape;
    private final int batch;
    private final int inputColumns;

    PredictTask(Broadcast<byte[]> model, int featureIndex, ImageShape shape, int batch, int inputColumns) {
      this.model = model;
      this.featureIndex = featureIndex;
      this.shape = shape;
      this.batch = batch;
      this.inputColumns = inputColumns;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      Predictor p = PredictorFiles.read(Blobs.unpack(model.value()), "broadcast model");
      List<Row> out = new ArrayList<>();
      List<Row> pending = new ArrayList<>();
      int d = shape.size();
      while (rows.hasNext()) {
        pending.add(rows.next());
        if (pending.size() == batch || !rows.hasNext()) {
          float[] buf = new float[pending.size() * d];
          for (int i = 0; i < pending.size(); i++) {
            Row r = pending.get(i);
            if (r.isNullAt(featureIndex)) {
              throw new IllegalArgumentException("features are null in a row to predict");
            }
            List<Float> f = r.getList(featureIndex);
            if (f.size() != d) {
              throw new IllegalArgumentException("features hold " + f.size() + " values, the model expects " + d
                  + " (" + shape + ")");
            }
            for (int j = 0; j < d; j++) {
              buf[i * d + j] = f.get(j);
            }
          }
          INDArray x = Nd4j.create(buf, new long[] {pending.size(), shape.channels(), shape.height(), shape.width()}, 'c');
          INDArray probs = p.probabilities(x);
          int c = (int) probs.size(1);
          INDArray pc = probs.dup('c');
          float[] pr = pc.data().asFloat();
          for (INDArray a : new INDArray[] {x, probs, pc}) {
            if (!a.wasClosed() && a.closeable()) {
              a.close();
            }
          }
          OffHeapGuard.check("prediction");
          for (int i = 0; i < pending.size(); i++) {
            double[] v = new double[c];
            int best = 0;
            for (int k = 0; k < c; k++) {
              v[k] = pr[i * c + k];
              if (v[k] > v[best]) {
                best = k;
              }
            }
            Object[] values = new Object[inputColumns + 2];
            Row r = pending.get(i);
            for (int k = 0; k < inputColumns; k++) {
              if (k != featureIndex) {
                values[k < featureIndex ? k : k - 1] = r.get(k);
              }
            }
            values[inputColumns - 1] = (double) best;
            values[inputColumns] = Vectors.dense(v);
            values[inputColumns + 1] = r.get(featureIndex);
            out.add(RowFactory.create(values));
          }
          pending.clear();
        }
      }
      return out.iterator();
    }
  }

  @Override
  public FuseFLModel copy(ParamMap extra) {
    FuseFLModel copied = new FuseFLModel(uid, predictor, shape());
    copyValues(copied, extra);
    return copied.withSummary(summary).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new AtomicStageWriter(this, "FuseFLModel") {
      @Override
      void writePayload(FileSystem fs, Path dir) throws IOException {
        Path data = new Path(dir, "data");
        fs.mkdirs(data);
        for (Map.Entry<String, byte[]> e : predictor.toFiles().entrySet()) {
          try (var out = fs.create(new Path(data, e.getKey()), false)) {
            out.write(e.getValue());
          }
          AtomicStageWriter.SaveHook.afterFile(e.getKey());
        }
      }
    };
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  /**
   * Reader for {@code PipelineModel.load} and {@link #load}: Spark's metadata (also that of models saved before
   * Spark's writer was used: the same JSON in {@code metadata/part-00000}) and the allow-listed files of
   * {@code data/} ({@link PredictorFiles}: manifest, DL4J zips checked before parsing, the head).
   */
  public static MLReader<FuseFLModel> read() {
    return new MLReader<>() {
      @Override
      public FuseFLModel load(String path) {
        Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
        DefaultParamsReader.Metadata meta = AtomicStageWriter.metadata(path, sparkSession(), FuseFLModel.class);
        try {
          Path data = new Path(path, "data");
          FileSystem fs = data.getFileSystem(conf);
          if (!fs.exists(data)) {
            throw new IOException("No data/ folder in model " + path);
          }
          Map<String, byte[]> files = new TreeMap<>();
          for (FileStatus st : fs.listStatus(data)) {
            files.put(st.getPath().getName(), HadoopIO.readAllBytes(st.getPath(), conf));
          }
          Predictor p = PredictorFiles.read(files, path);
          FuseFLModel model = new FuseFLModel(meta.uid(), p, new ImageShape(1, 1, 1));
          meta.getAndSetParams(model, scala.Option.empty());
          return model;
        } catch (IOException e) {
          throw new UncheckedIOException("Could not load FuseFLModel from " + path + ": " + e.getMessage(), e);
        }
      }
    };
  }

  public static FuseFLModel load(String path) {
    return read().load(path);
  }

  /** The first {@code stages} fused blocks from packed branch files (no head yet). */
  static FusedNetwork fusedFromPacked(byte[] packed, int stages, int clients, Adaptor adaptor, int classes, int blocks,
      boolean concatHeadInput) {
    Map<String, byte[]> files = Blobs.unpack(packed);
    FusedNetwork fused = new FusedNetwork(blocks, classes, adaptor, concatHeadInput);
    for (int k = 0; k < stages; k++) {
      List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> branches = new ArrayList<>();
      for (int m = 0; m < clients; m++) {
        String name = "branch-" + k + "-" + m + ".zip";
        byte[] b = files.get(name);
        if (b == null) {
          throw new IllegalStateException("missing " + name + " in the fused-block broadcast");
        }
        branches.add(Networks.fromBytes(b, name));
      }
      fused.addStage(branches);
    }
    return fused;
  }

  static org.apache.spark.sql.Column column(String name) {
    return col(name);
  }
}
