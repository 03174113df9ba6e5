package org.sparkfusion.dlrm;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkfusion.common.io.HadoopIO;

/**
 * Scores a DataFrame with a DLRM: appends {@code outputCol} (double, the click probability) computed from
 * {@code denseCol} (array of numbers) and {@code sparseCol} (array of arrays of integer ids, one per table).
 * Rows are scored in batches of {@code batchSize} per task, embeddings pooled for the whole batch in one backend
 * call and the MLPs run as matrix products over the batch. Each executor loads the model once; a null input
 * gives a null output. Params that are not set fall back to the session's {@code spark.sparkfusion.dlrm.*}
 * configuration ({@link DlrmConf}), then to their defaults.
 *
 * <p>{@link #write()} copies the model file into the saved stage, so a saved {@code DlrmModel} (alone or in a
 * {@code PipelineModel}) is self-contained on any Hadoop path; {@link #read()} / {@link #load(String)} restore it.
 */
public final class DlrmModel extends Transformer implements MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> modelPath;
  private final Param<String> denseCol;
  private final Param<String> sparseCol;
  private final Param<String> outputCol;
  private final IntParam batchSize;
  private final Param<String> interaction;
  private final BooleanParam selfInteraction;
  private final Param<String> outOfRangeIds;
  private final Param<String> embeddingBackend;
  private final Param<String> nonFiniteDense;

  /**
   * A backend name is checked against the provider registry where the model is opened (on the executors, whose
   * class path decides, with BackendSelector's "why not" message), so here only its spelling.
   */
  private static final class BackendName extends scala.runtime.AbstractFunction1<String, Object>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String v) {
      return v != null && v.matches("([a-z0-9][a-z0-9._-]*)?");
    }
  }

  /** The values of the string Params, for their validators and the command line's choices. */
  static final java.util.List<String> INTERACTIONS = java.util.List.of("dot", "cat");
  static final java.util.List<String> OUT_OF_RANGE_IDS = java.util.List.of("error", "hash");
  static final java.util.List<String> NON_FINITE_DENSE = java.util.List.of("error", "null");

  public DlrmModel() {
    this(Identifiable.randomUID("dlrm"));
  }

  public DlrmModel(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath", "DLRM weights: torch.save checkpoint or directory of .npy files");
    denseCol = new Param<>(this, "denseCol", "input column of dense features, array<float>");
    sparseCol = new Param<>(this, "sparseCol", "input column of sparse ids, array<array<int>>, one array per table");
    outputCol = new Param<>(this, "outputCol", "output column, the click probability as double");
    batchSize = new IntParam(this, "batchSize", "rows per scoring batch", ParamValidators.inRange(1, 1 << 20));
    interaction = new Param<>(this, "interaction", "feature interaction: dot or cat",
        ParamValidators.inArray(INTERACTIONS.toArray(new String[0])));
    selfInteraction = new BooleanParam(this, "selfInteraction", "dot interaction includes self pairs");
    outOfRangeIds = new Param<>(this, "outOfRangeIds", "ids outside a table: error or hash (id mod rows)",
        ParamValidators.inArray(OUT_OF_RANGE_IDS.toArray(new String[0])));
    embeddingBackend = new Param<>(this, "embeddingBackend", "name of an embedding backend provider on the class "
        + "path, or empty for the automatic per-executor policy", new BackendName());
    nonFiniteDense = new Param<>(this, "nonFiniteDense",
        "a NaN or infinite dense value: error (fail naming the row and element) or null (the row scores null)",
        ParamValidators.inArray(NON_FINITE_DENSE.toArray(new String[0])));
    setDefault(denseCol, "dense");
    setDefault(sparseCol, "sparse");
    setDefault(outputCol, "ctr");
    setDefault(batchSize, DlrmConf.BATCH_SIZE.defaultValue());
    setDefault(interaction, DlrmConf.INTERACTION.defaultValue());
    setDefault(selfInteraction, DlrmConf.SELF_INTERACTION.defaultValue());
    setDefault(outOfRangeIds, DlrmConf.OUT_OF_RANGE_IDS.defaultValue());
    setDefault(embeddingBackend, "");
    setDefault(nonFiniteDense, DlrmConf.NON_FINITE_DENSE.defaultValue());
  }

/** {@code error} (default) or {@code null}: what a NaN or infinite dense value does. */
  public Param<String> nonFiniteDense() {
    return nonFiniteDense;
  }

  public DlrmModel setNonFiniteDense(String v) {
    set(nonFiniteDense, v);
    return this;
  }

/** Model path: a torch.save checkpoint or a directory of .npy files, on any Hadoop path. */
  public Param<String> modelPath() {
    return modelPath;
  }

/** {@code dot} or {@code cat}. */
  public Param<String> interaction() {
    return interaction;
  }

/** {@code error} or {@code hash}. */
  public Param<String> outOfRangeIds() {
    return outOfRangeIds;
  }

/** {@code cpu}, {@code cpu-int8}, {@code upmem}, {@code upmem-emu}, or empty for the automatic policy. */
  public Param<String> embeddingBackend() {
    return embeddingBackend;
  }

  public Param<String> denseCol() {
    return denseCol;
  }

  public Param<String> sparseCol() {
    return sparseCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public BooleanParam selfInteraction() {
    return selfInteraction;
  }

  @Override
  public String uid() {
    return uid;
  }

  public DlrmModel setModelPath(String v) {
    set(modelPath, v);
    return this;
  }

  public DlrmModel setDenseCol(String v) {
    set(denseCol, v);
    return this;
  }

  public DlrmModel setSparseCol(String v) {
    set(sparseCol, v);
    return this;
  }

  public DlrmModel setOutputCol(String v) {
    set(outputCol, v);
    return this;
  }

  public DlrmModel setBatchSize(int v) {
    set(batchSize, v);
    return this;
  }

  public DlrmModel setInteraction(String v) {
    set(interaction, v);
    return this;
  }

  public DlrmModel setSelfInteraction(boolean v) {
    set(selfInteraction, v);
    return this;
  }

  public DlrmModel setOutOfRangeIds(String v) {
    set(outOfRangeIds, v);
    return this;
  }

  public DlrmModel setEmbeddingBackend(String v) {
    set(embeddingBackend, v);
    return this;
  }

  public String getModelPath() {
    return $(modelPath);
  }

  /** Stage params win; params left unset fall back to the session's spark.sparkfusion.dlrm.* keys. */
  ModelOptions options(org.apache.spark.sql.RuntimeConfig conf) {
    if (!isDefined(modelPath)) {
      throw new IllegalArgumentException("DlrmModel: modelPath is not set");
    }
    String backend = isSet(embeddingBackend) ? $(embeddingBackend) : DlrmConf.EMBEDDING_BACKEND.get(conf);
    return new ModelOptions($(modelPath),
        isSet(interaction) ? $(interaction) : DlrmConf.INTERACTION.get(conf),
        isSet(selfInteraction) ? (Boolean) $(selfInteraction) : DlrmConf.SELF_INTERACTION.get(conf),
        "hash".equals(isSet(outOfRangeIds) ? $(outOfRangeIds) : DlrmConf.OUT_OF_RANGE_IDS.get(conf)),
        backend == null || backend.isEmpty() ? null : backend,
        "null".equals(isSet(nonFiniteDense) ? $(nonFiniteDense) : DlrmConf.NON_FINITE_DENSE.get(conf)));
  }

  /** Checks the columns and, when a model path is set, opens the model on the driver ({@link DriverModelCheck}). */
  @Override
  public StructType transformSchema(StructType schema) {
    StructType out = outputSchema(schema);
    if (isDefined(modelPath)) {
      SparkSession spark = SparkSession.active();
      DriverModelCheck.check(spark, options(spark.conf()), "DlrmModel");
    }
    return out;
  }

  private StructType outputSchema(StructType schema) {
    checkColumn(schema, $(denseCol), "array<float>", false);
    checkColumn(schema, $(sparseCol), "array<array<int>>", true);
    if (java.util.Arrays.asList(schema.fieldNames()).contains($(outputCol))) {
      throw new IllegalArgumentException("DlrmModel: output column " + $(outputCol) + " already exists");
    }
    return schema.add(new StructField($(outputCol), DataTypes.DoubleType, true, org.apache.spark.sql.types.Metadata.empty()));
  }

  private static void checkColumn(StructType schema, String name, String expected, boolean nested) {
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("DlrmModel: input column " + name + " (" + expected + ") does not exist; columns: "
          + String.join(", ", schema.fieldNames()));
    }
    DataType t = schema.apply(name).dataType();
    boolean ok = t instanceof ArrayType a && (nested
        ? a.elementType() instanceof ArrayType inner && inner.elementType() instanceof IntegralType
        : a.elementType() instanceof NumericType);
    if (!ok) {
      throw new IllegalArgumentException("DlrmModel: column " + name + " has type " + t.simpleString() + ", expected "
          + expected);
    }
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType in = dataset.schema();
    StructType out = outputSchema(in);
    org.apache.spark.sql.RuntimeConfig conf = dataset.sparkSession().conf();
    ModelOptions options = options(conf);
    // Before any input is read: a missing or corrupt model fails here, once, naming the path.
    DriverModelCheck.check((SparkSession) dataset.sparkSession(), options, "DlrmModel");
    int rowsPerBatch = isSet(batchSize) ? (Integer) $(batchSize) : DlrmConf.BATCH_SIZE.get(conf);
    InternalValues values = new InternalValues((ArrayType) in.apply($(denseCol)).dataType(),
        (ArrayType) in.apply($(sparseCol)).dataType(), $(denseCol), $(sparseCol), options.nonFiniteNull());
    int idIndex = java.util.Arrays.asList(in.fieldNames()).indexOf("id");
    ScorePartition fn = new ScorePartition(options, in.fieldIndex($(denseCol)), in.fieldIndex($(sparseCol)),
        rowsPerBatch, values, idIndex, idIndex < 0 ? null : in.fields()[idIndex].dataType());
    if (!(dataset instanceof org.apache.spark.sql.classic.Dataset<?> classic)) {
      throw new UnsupportedOperationException("DlrmModel.transform needs a classic (JVM) Spark session; got "
          + dataset.getClass().getName() + " (Spark Connect clients: run the transformer on the server)");
    }
    // Internal rows in and out: no conversion to external Rows (boxed arrays) and back, which cost about as much
    // as the model itself.
    RDD<InternalRow> scored = classic.queryExecution().toRdd().toJavaRDD().mapPartitions(fn).rdd();
    return classic.sparkSession().internalCreateDataFrame(scored, out, false);
  }

  @Override
  public DlrmModel copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** The reader {@code Pipeline.load} and {@link #load(String)} use. */
  public static MLReader<DlrmModel> read() {
    return new Reader();
  }

  public static DlrmModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final DlrmModel stage;

    Writer(DlrmModel stage) {
      this.stage = stage;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(stage, path, sparkSession());
      Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
      Path src = new Path(stage.getModelPath());
      try {
        FileSystem srcFs = src.getFileSystem(conf);
        HadoopIO.writeDirectoryAtomically(new Path(path, "model"), conf, false,
            (fs, dir) -> {
              if (!FileUtil.copy(srcFs, src, fs, new Path(dir, src.getName()), false, conf)) {
                throw new IOException("could not copy " + src);
              }
            });
      } catch (IOException e) {
        throw new UncheckedIOException("DlrmModel: could not save to " + path + ": " + e.getMessage(), e);
      }
    }
  }

  private static final class Reader extends MLReader<DlrmModel> {
    @Override
    public DlrmModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
          DlrmModel.class.getName());
      DlrmModel model = new DlrmModel(metadata.uid());
      metadata.getAndSetParams(model, scala.Option.empty());
      Path dir = new Path(path, "model");
      try {
        FileStatus[] files = dir.getFileSystem(sparkSession().sparkContext().hadoopConfiguration()).listStatus(dir);
        if (files.length != 1) {
          throw new IllegalArgumentException("DlrmModel: " + dir + " should hold exactly one model, found " + files.length);
        }
        return model.setModelPath(files[0].getPath().toString());
      } catch (IOException e) {
        throw new UncheckedIOException("DlrmModel: could not read " + dir + ": " + e.getMessage(), e);
      }
    }
  }
}
