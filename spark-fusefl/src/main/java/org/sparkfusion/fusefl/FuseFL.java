package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.fusefl.core.Adaptor;
import org.sparkfusion.fusefl.core.ClassStatistics;
import org.sparkfusion.fusefl.core.ClientArchitecture;
import org.sparkfusion.fusefl.core.EnsembleNetwork;
import org.sparkfusion.fusefl.core.FusedNetwork;
import org.sparkfusion.fusefl.core.ImageShape;
import org.sparkfusion.fusefl.core.Networks;
import org.sparkfusion.fusefl.core.Predictor;
import org.sparkfusion.fusefl.core.SingleNetwork;
import org.sparkfusion.fusefl.core.SoftmaxHead;
import org.sparkfusion.fusefl.core.StageOutcome;
import org.sparkfusion.fusefl.core.TrainingConfig;

/**
 * One-shot federated learning by progressive model fusion (FuseFL, Tang et al., NeurIPS 2024) as a Spark ML
 * Estimator. Every distinct value of {@code clientCol} is one client; its rows stay inside the Spark task
 * that trains it. With {@code method=fusefl}, {@code fit} runs {@code blocks} (K) stages: in stage k each
 * client trains its own blocks k..K and classifier on top of the frozen fused blocks below, then uploads
 * block k once; the driver fuses the M uploaded blocks (run side by side, features concatenated and mapped by
 * each client's 1x1-convolution adaptor, or averaged) and broadcasts them. Finally the clients' classifiers
 * are averaged and calibrated with CCVR from per-class feature statistics (never raw rows).
 *
 * <p>Baselines on the same data and API: {@code fedavg} (one-shot parameter averaging from a shared
 * initialisation), {@code ensemble} (mean of the clients' predicted probabilities) and {@code local} (the
 * model of the client with most rows). Baselines train {@code blocks * epochsPerStage} epochs at
 * {@code width}; FuseFL clients use width {@code round(width / sqrt(M))} when {@code scaleWidth} is set.
 *
 * <p>Input: {@code featuresCol} an array of numbers or an ML vector (images channels first, values
 * typically in [0,1]), {@code labelCol} integer classes in [0, numClasses), {@code clientCol} any type.
 * Errors name the column and client: NaN/Inf features, labels outside the classes, feature-length mismatches,
 * fewer than two non-empty clients.
 */
public final class FuseFL extends Estimator<FuseFLModel> implements FuseFLParams, MLWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(FuseFL.class);
  static final String CLIENT_INDEX = "_fusefl_client";
  static final String FEATURES = "_fusefl_features";
  static final String LABEL = "_fusefl_label";

  private final String uid;
  private final Declared declared;
  private final IntParam numClasses;

  public FuseFL() {
    this(Identifiable.randomUID("fusefl"));
  }

  public FuseFL(String uid) {
    this.uid = uid;
    declared = new Declared(this);
    numClasses = new IntParam(this, "numClasses", "number of classes; 0 = max label + 1", ParamValidators.gtEq(0));
    setDefault(numClasses, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Declared declared() {
    return declared;
  }

  /** Estimator only (see {@link FuseFLParams}). */
  public IntParam numClasses() {
    return numClasses;
  }

  public int getNumClasses() {
    return (Integer) $(numClasses);
  }

  // ---- params: fluent setters (the Params, accessors and getters are FuseFLParams')
  public FuseFL setClientCol(String v) { set(clientCol(), v); return this; }
  public FuseFL setFeaturesCol(String v) { set(featuresCol(), v); return this; }
  public FuseFL setLabelCol(String v) { set(labelCol(), v); return this; }
  public FuseFL setPredictionCol(String v) { set(predictionCol(), v); return this; }
  public FuseFL setProbabilityCol(String v) { set(probabilityCol(), v); return this; }
  public FuseFL setMethod(String v) { set(method(), v); return this; }
  public FuseFL setBackbone(String v) { set(backbone(), v); return this; }
  public FuseFL setAdaptor(String v) { set(adaptor(), v); return this; }
  public FuseFL setBlocks(int v) { set(blocks(), v); return this; }
  public FuseFL setEpochsPerStage(int v) { set(epochsPerStage(), v); return this; }
  public FuseFL setBatchSize(int v) { set(batchSize(), v); return this; }
  public FuseFL setLearningRate(double v) { set(learningRate(), v); return this; }
  public FuseFL setMomentum(double v) { set(momentum(), v); return this; }
  public FuseFL setWidth(int v) { set(width(), v); return this; }
  public FuseFL setScaleWidth(boolean v) { set(scaleWidth(), v); return this; }
  public FuseFL setSeed(long v) { set(seed(), v); return this; }
  public FuseFL setCalibrate(boolean v) { set(calibrate(), v); return this; }
  public FuseFL setCalibrationSamples(int v) { set(calibrationSamples(), v); return this; }
  public FuseFL setCalibrationEpochs(int v) { set(calibrationEpochs(), v); return this; }
  public FuseFL setAugmentShift(int v) { set(augmentShift(), v); return this; }
  public FuseFL setAugmentFlip(boolean v) { set(augmentFlip(), v); return this; }
  public FuseFL setAugmentFusedStages(boolean v) { set(augmentFusedStages(), v); return this; }
  public FuseFL setAdaptorInit(String v) { set(adaptorInit(), v); return this; }
  public FuseFL setLearningRateSchedule(String v) { set(learningRateSchedule(), v); return this; }
  public FuseFL setWeightDecay(double v) { set(weightDecay(), v); return this; }
  public FuseFL setDropout(double v) { set(dropout(), v); return this; }
  public FuseFL setHeadFeatures(String v) { set(headFeatures(), v); return this; }
  public FuseFL setNumClasses(int v) { set(numClasses, v); return this; }
  public FuseFL setInputShape(int[] v) { set(inputShape(), v); return this; }
  public FuseFL setClientExtraLayers(int[] v) { set(clientExtraLayers(), v); return this; }

  // ---- schema

  @Override
  public StructType transformSchema(StructType schema) {
    for (Param<String> p : List.of(clientCol(), featuresCol(), labelCol())) {
      if (!Arrays.asList(schema.fieldNames()).contains($(p))) {
        throw new IllegalArgumentException(p.name() + " '" + $(p) + "' not found in " + schema.simpleString());
      }
    }
    checkFeaturesType(schema, getFeaturesCol());
    DataType lt = schema.apply(getLabelCol()).dataType();
    if (!(lt instanceof NumericType)) {
      throw new IllegalArgumentException("label column '" + getLabelCol() + "' must be numeric, is " + lt.simpleString());
    }
    return addOutputColumns(schema, "FuseFL", getPredictionCol(), getProbabilityCol());
  }

  /**
   * The schema with the model's two output columns appended; an output column that already exists (or both
   * outputs under one name) is refused with one line naming it, as DlrmModel does, instead of Spark's duplicate
   * column error at the first action.
   */
  static StructType addOutputColumns(StructType schema, String stage, String prediction, String probability) {
    for (String c : new String[] {prediction, probability}) {
      if (Arrays.asList(schema.fieldNames()).contains(c)) {
        throw new IllegalArgumentException(stage + ": output column '" + c + "' already exists in the input; drop "
            + "it or set " + (c.equals(prediction) ? "predictionCol" : "probabilityCol") + " to another name");
      }
    }
    if (prediction.equals(probability)) {
      throw new IllegalArgumentException(stage + ": predictionCol and probabilityCol are both '" + prediction + "'");
    }
    return schema.add(prediction, DataTypes.DoubleType, false).add(probability, SQLDataTypes.VectorType(), false);
  }

  static void checkFeaturesType(StructType schema, String name) {
    DataType t = schema.apply(name).dataType();
    boolean ok = t.equals(SQLDataTypes.VectorType())
        || (t instanceof ArrayType && ((ArrayType) t).elementType() instanceof NumericType);
    if (!ok) {
      throw new IllegalArgumentException("features column '" + name + "' must be an array of numbers or an ML vector, is "
          + t.simpleString());
    }
  }

  /** Adds {@code out} as array&lt;float&gt; from an array or vector column. */
  static Dataset<Row> featuresAsFloatArray(Dataset<Row> df, String in, String out) {
    DataType t = df.schema().apply(in).dataType();
    Column c = t.equals(SQLDataTypes.VectorType())
        ? org.apache.spark.ml.functions.vector_to_array(col(in), "float32")
        : col(in).cast(DataTypes.createArrayType(DataTypes.FloatType));
    return df.withColumn(out, c);
  }

  // ---- fitting

  /** Clients laid out one per partition, validated, cached; plus what was learned about them. */
  static final class Prepared {
    Dataset<Row> data; // (client index, features, label)
    List<Object> clientValues;
    long[] rows;
    ImageShape shape;
    int classes;
  }

  @Override
  public FuseFLModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    Prepared p = prepare(dataset.toDF());
    try {
      FuseFLModel model;
      if (getMethod().equals("fusefl")) {
        model = trainFuseFL(p);
      } else {
        Map<String, FuseFLModel> all = trainBaselines(p);
        String key = getMethod().equals("local") ? "local-" + largestClient(p.rows) : getMethod();
        model = all.get(key);
      }
      copyValues(model, ParamMap.empty());
      return model.setParent(this);
    } finally {
      p.data.unpersist(false);
    }
  }

  static int largestClient(long[] rows) {
    int best = 0;
    for (int i = 1; i < rows.length; i++) {
      if (rows[i] > rows[best]) {
        best = i;
      }
    }
    return best;
  }

  Prepared prepare(Dataset<Row> input) {
    SparkSession spark = input.sparkSession();
    String client = getClientCol();
    String features = getFeaturesCol();
    String label = getLabelCol();
    Dataset<Row> df = featuresAsFloatArray(input, features, FEATURES)
        .withColumn(LABEL, col(label).cast(DataTypes.IntegerType));
    Column nonFinite = expr("exists(" + FEATURES
        + ", x -> isnan(x) or x = cast('Infinity' as float) or x = cast('-Infinity' as float))");
    Row stats = df.agg(
        org.apache.spark.sql.functions.count(lit(1)),
        org.apache.spark.sql.functions.min(expr("size(" + FEATURES + ")")),
        org.apache.spark.sql.functions.max(expr("size(" + FEATURES + ")")),
        org.apache.spark.sql.functions.sum(when(nonFinite, 1).otherwise(0)),
        org.apache.spark.sql.functions.min(col(LABEL)),
        org.apache.spark.sql.functions.max(col(LABEL)),
        org.apache.spark.sql.functions.sum(when(col(label).isNull().or(col(FEATURES).isNull()), 1).otherwise(0)),
        org.apache.spark.sql.functions.sum(when(col(label).cast(DataTypes.DoubleType)
            .notEqual(col(LABEL).cast(DataTypes.DoubleType)), 1).otherwise(0)),
        org.apache.spark.sql.functions.sum(when(col(client).isNull(), 1).otherwise(0)))
        .first();
    long n = stats.getLong(0);
    if (n == 0) {
      throw new IllegalArgumentException("FuseFL got an empty dataset");
    }
    if (stats.getLong(6) > 0) {
      Row bad = df.filter(col(label).isNull().or(col(FEATURES).isNull())).select(col(client)).first();
      throw new IllegalArgumentException(stats.getLong(6) + " rows have a null in column '" + label + "' or '"
          + features + "' (first at client " + bad.get(0) + ")");
    }
    if (stats.getLong(8) > 0) {
      throw new IllegalArgumentException(stats.getLong(8) + " rows have a null client in column '" + client + "'");
    }
    int minLen = stats.getInt(1);
    int maxLen = stats.getInt(2);
    int[] shapeParam = getInputShape();
    ImageShape shape = shapeParam.length == 0 ? ImageShape.infer(maxLen)
        : new ImageShape(shapeParam[0], shapeParam[1], shapeParam[2]);
    if (minLen != shape.size() || maxLen != shape.size()) {
      Row bad = df.filter(expr("size(" + FEATURES + ") != " + shape.size())).select(col(client), expr("size(" + FEATURES + ")"))
          .first();
      throw new IllegalArgumentException("feature-length mismatch in column '" + features + "': expected "
          + shape.size() + " values (" + shape + "), found " + bad.get(1) + " at client " + bad.get(0)
          + " (lengths range " + minLen + ".." + maxLen + ")");
    }
    if (stats.getLong(3) > 0) {
      Row bad = df.filter(nonFinite).select(col(client), col(label)).first();
      throw new IllegalArgumentException(stats.getLong(3) + " rows have NaN or infinite values in column '" + features
          + "' (first at client " + bad.get(0) + ", label " + bad.get(1) + ")");
    }
    if (stats.getLong(7) > 0) {
      throw new IllegalArgumentException(stats.getLong(7) + " rows have a non-integer value in label column '" + label + "'");
    }
    int minLabel = stats.getInt(4);
    int maxLabel = stats.getInt(5);
    int classes = getNumClasses() > 0 ? getNumClasses() : Math.max(2, maxLabel + 1);
    if (minLabel < 0 || maxLabel >= classes) {
      int badLabel = minLabel < 0 ? minLabel : maxLabel;
      Row bad = df.filter(col(LABEL).equalTo(badLabel)).select(col(client)).first();
      throw new IllegalArgumentException("label " + badLabel + " in column '" + label + "' (client " + bad.get(0)
          + ") is outside the " + classes + " classes [0, " + classes + ")");
    }
    List<Row> clients = df.groupBy(col(client)).count().orderBy(col(client)).collectAsList();
    if (clients.size() < 2) {
      throw new IllegalArgumentException("FuseFL needs at least two non-empty clients; column '" + client + "' has "
          + clients.size() + " distinct value(s)");
    }
    Prepared p = new Prepared();
    p.clientValues = new ArrayList<>();
    p.rows = new long[clients.size()];
    Column index = lit(-1);
    for (int i = clients.size() - 1; i >= 0; i--) {
      Object v = clients.get(i).get(0);
      index = when(col(client).equalTo(lit(v)), lit(i)).otherwise(index);
    }
    for (int i = 0; i < clients.size(); i++) {
      p.clientValues.add(clients.get(i).get(0));
      p.rows[i] = clients.get(i).getLong(1);
    }
    Dataset<Row> indexed = df.select(index.as(CLIENT_INDEX), col(FEATURES), col(LABEL));
    p.data = ClientPlacement.layOut(indexed, CLIENT_INDEX, clients.size()).persist(StorageLevel.MEMORY_AND_DISK());
    p.shape = shape;
    p.classes = classes;
    LOG.info("FuseFL: {} rows, {} clients (rows per client {}), {} classes, images {}", n, clients.size(),
        Arrays.toString(p.rows), classes, shape);
    return p;
  }

  TrainingConfig trainingConfig(int epochs) {
    return new TrainingConfig(epochs, getBatchSize(), getLearningRate(), getMomentum(), getSeed(),
        getAugmentShift(), getAugmentFlip(), "cosine".equals(getLearningRateSchedule()), 0,
        getWeightDecay(), getDropout());
  }

  /** The clients' settings in FuseFL stage {@code stage} (0-based): unaugmented above stage 0 if asked. */
  TrainingConfig stageConfig(TrainingConfig cfg, int stage) {
    return stage > 0 && !getAugmentFusedStages() ? cfg.withoutAugmentation() : cfg;
  }

  int clientWidth(int clients) {
    int w = getWidth();
    return getScaleWidth() ? Math.max(1, (int) Math.round(w / Math.sqrt(clients))) : w;
  }

  ClientArchitecture[] architectures(Prepared p, int w, int k) {
    int m = p.rows.length;
    int[] extra = getClientExtraLayers();
    if (extra.length != 0 && extra.length != m) {
      throw new IllegalArgumentException("clientExtraLayers has " + extra.length + " entries but there are " + m
          + " clients");
    }
    ClientArchitecture[] archs = new ClientArchitecture[m];
    for (int i = 0; i < m; i++) {
      archs[i] = ClientArchitecture.of(getBackbone(), p.shape, p.classes, w, k, extra.length == 0 ? 0 : extra[i]);
    }
    return archs;
  }

  private static <T> Broadcast<T> broadcast(SparkSession spark, T value, Class<T> cls) {
    return spark.sparkContext().broadcast(value, scala.reflect.ClassTag$.MODULE$.apply(cls));
  }

  /**
   * The laid-out client rows as Spark's internal rows (client int, features array&lt;float&gt;, label int): the tasks
   * copy the features straight out of the cached columnar data, where {@code javaRDD()} would first box every
   * pixel into a Float of an external Row.
   */
  static org.apache.spark.api.java.JavaRDD<org.apache.spark.sql.catalyst.InternalRow> clientRows(Prepared p) {
    return p.data.queryExecution().toRdd().toJavaRDD();
  }

  private List<StageOutcome> runStage(Prepared p, ClientStageTask task, String description) {
    SparkSession spark = p.data.sparkSession();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobDescription(description);
    try {
      List<byte[]> raw = clientRows(p).mapPartitions(task).collect();
      List<StageOutcome> outcomes = new ArrayList<>();
      for (byte[] b : raw) {
        outcomes.add(StageOutcome.fromBytes(b));
      }
      outcomes.sort((a, b) -> Integer.compare(a.client(), b.client()));
      if (outcomes.size() != p.rows.length) {
        throw new IllegalStateException("expected " + p.rows.length + " client results, got " + outcomes.size());
      }
      return outcomes;
    } finally {
      jsc.setJobDescription(null);
    }
  }

  private static String stageLine(String what, List<StageOutcome> outcomes, long up, long down, double seconds) {
    StringBuilder loss = new StringBuilder();
    StringBuilder acc = new StringBuilder();
    for (StageOutcome o : outcomes) {
      loss.append(loss.length() == 0 ? "" : ", ").append(String.format("%.3f", o.loss()));
      acc.append(acc.length() == 0 ? "" : ", ").append(String.format("%.3f", o.accuracy()));
    }
    return String.format("%s: %.1f s, clients' loss [%s], train accuracy [%s], bytes up %d, bytes down %d", what,
        seconds, loss, acc, up, down);
  }

  FuseFLModel trainFuseFL(Prepared p) {
    SparkSession spark = p.data.sparkSession();
    long start = System.nanoTime();
    int k = getBlocks();
    int m = p.rows.length;
    Adaptor ad = Adaptor.parse(getAdaptor());
    ClientArchitecture[] archs = architectures(p, clientWidth(m), k);
    TrainingConfig cfg = trainingConfig(getEpochsPerStage());
    int failHook = FuseFLConfig.TEST_FAIL_FIRST_ATTEMPT.get(spark.conf());
    int predictBatch = FuseFLConfig.PREDICT_BATCH.get(spark.conf());
    Map<String, byte[]> fusedFiles = new LinkedHashMap<>();
    Map<String, byte[]> states = new LinkedHashMap<>();
    boolean concat = getHeadFeatures().equals("concat");
    FusedNetwork fused = new FusedNetwork(k, p.classes, ad, concat);
    List<String> log = new ArrayList<>();
    long up = 0;
    long down = 0;
    double peak = 0;
    List<StageOutcome> last = null;
    for (int stage = 0; stage < k; stage++) {
      long t0 = System.nanoTime();
      int[] outCh = new int[m];
      for (int i = 0; i < m; i++) {
        outCh[i] = stage == 0 ? 0 : archs[i].outChannels(stage - 1);
      }
      int inChannels = FusedNetwork.stageInputChannels(stage, ad, p.shape, outCh);
      Broadcast<byte[]> fusedB = broadcast(spark, Blobs.pack(fusedFiles), byte[].class);
      Broadcast<byte[]> statesB = broadcast(spark, Blobs.pack(states), byte[].class);
      ClientStageTask task = new ClientStageTask(ClientStageTask.Kind.STAGE, archs, stage, ad, inChannels,
          stageConfig(cfg, stage),
          stage == 0 ? null : fusedB, statesB, getSeed(), false, failHook, predictBatch, concat,
          getAdaptorInit().equals("own-branch"));
      String what = "FuseFL stage " + (stage + 1) + "/" + k + ": local training";
      List<StageOutcome> outcomes = runStage(p, task, what);
      fusedB.destroy();
      statesB.destroy();
      List<MultiLayerNetwork> branches = new ArrayList<>();
      long stageUp = 0;
      for (StageOutcome o : outcomes) {
        fusedFiles.put("branch-" + stage + "-" + o.client() + ".zip", o.upload());
        states.put(Integer.toString(o.client()), o.state());
        branches.add(Networks.fromBytes(o.upload(), "block " + stage + " of client " + o.client()));
        stageUp += o.uploadParameters() * 4;
        peak = Math.max(peak, o.peakMemoryBytes() / 1048576.0);
      }
      fused.addStage(branches);
      // Every client receives all M fused blocks of this stage.
      long stageDown = stageUp * m;
      up += stageUp;
      down += stageDown;
      String line = stageLine(what, outcomes, stageUp, stageDown, (System.nanoTime() - t0) / 1e9);
      LOG.info(line);
      log.add(line);
      last = outcomes;
    }
    // Classifier averaging and CCVR calibration.
    long t0 = System.nanoTime();
    List<SoftmaxHead> heads = new ArrayList<>();
    for (StageOutcome o : last) {
      MultiLayerNetwork net = Networks.fromBytes(o.state(), "state of client " + o.client());
      heads.add(SoftmaxHead.fromOutputLayer(net, archs[o.client()].trainingLayout(k - 1,
          k - 1 > 0 && ad == Adaptor.CONV1X1).outputIndex));
    }
    SoftmaxHead head = SoftmaxHead.average(heads);
    up += head.parameterCount() * 4 * m;
    if (concat) {
      head = SoftmaxHead.tile(head, m);
    }
    if (getCalibrate()) {
      Broadcast<byte[]> fusedB = broadcast(spark, Blobs.pack(fusedFiles), byte[].class);
      ClientStageTask task = new ClientStageTask(ClientStageTask.Kind.STATISTICS, archs, k, ad, 0, cfg, fusedB, null,
          getSeed(), false, 0, predictBatch, concat, false);
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      jsc.setJobDescription("FuseFL calibration: class statistics");
      List<byte[]> raw;
      try {
        raw = clientRows(p).mapPartitions(task).collect();
      } finally {
        jsc.setJobDescription(null);
      }
      fusedB.destroy();
      ClassStatistics merged = null;
      long statsBytes = 0;
      for (byte[] b : raw) {
        byte[] s = Blobs.unpack(b).get("stats");
        statsBytes += s.length;
        ClassStatistics cs = ClassStatistics.fromBytes(s);
        if (merged == null) {
          merged = cs;
        } else {
          merged.merge(cs);
        }
      }
      up += statsBytes;
      float[][] virtual = new float[1][];
      int[] labels = merged.sample(getCalibrationSamples(), getSeed() + 17, virtual);
      head.train(virtual[0], labels, getCalibrationEpochs(), getBatchSize(), getLearningRate(),
          getMomentum(), getSeed() + 31);
    }
    fused.setHead(head);
    down += head.parameterCount() * 4 * m;
    String line = String.format("FuseFL classifier: averaged %d heads, calibration %s, %.1f s", m,
        getCalibrate() ? "CCVR" : "off", (System.nanoTime() - t0) / 1e9);
    LOG.info(line);
    log.add(line);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new FuseFLModel(Identifiable.randomUID("fuseflModel"), fused, p.shape)
        .withSummary(new FuseFLSummary("fusefl", seconds, up, down, peak, log));
  }

  /** Trains the M local models once and derives fedavg, ensemble and local-i models from them. */
  Map<String, FuseFLModel> trainBaselines(Prepared p) {
    SparkSession spark = p.data.sparkSession();
    long start = System.nanoTime();
    int m = p.rows.length;
    ClientArchitecture[] archs = new ClientArchitecture[m];
    for (int i = 0; i < m; i++) {
      archs[i] = ClientArchitecture.of(getBackbone(), p.shape, p.classes, getWidth(), 1, 0);
    }
    TrainingConfig cfg = trainingConfig(getEpochsPerStage() * getBlocks());
    ClientStageTask task = new ClientStageTask(ClientStageTask.Kind.BASELINE, archs, 0, Adaptor.CONV1X1,
        p.shape.channels(), cfg, null, null, getSeed(), true, 0, FuseFLConfig.PREDICT_BATCH.get(spark.conf()), false,
        false);
    String what = "FuseFL baselines: local training of " + m + " full models";
    List<StageOutcome> outcomes = runStage(p, task, what);
    List<MultiLayerNetwork> nets = new ArrayList<>();
    double peak = 0;
    long modelBytes = 0;
    for (StageOutcome o : outcomes) {
      nets.add(Networks.fromBytes(o.state(), "local model of client " + o.client()));
      peak = Math.max(peak, o.peakMemoryBytes() / 1048576.0);
      modelBytes = o.uploadParameters() * 4;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String line = stageLine(what, outcomes, modelBytes * m, 0, seconds);
    LOG.info(line);
    Map<String, FuseFLModel> models = new LinkedHashMap<>();
    // FedAvg: row-weighted mean of all values (parameters and BatchNorm statistics).
    MultiLayerNetwork avg = nets.get(0).clone();
    org.nd4j.linalg.api.ndarray.INDArray sum = avg.params().mul(0);
    long total = 0;
    for (int i = 0; i < m; i++) {
      sum.addi(nets.get(i).params().mul(p.rows[i]));
      total += p.rows[i];
    }
    avg.setParams(sum.divi(total));
    models.put("fedavg", model(new SingleNetwork(avg, p.classes, "fedavg"), p,
        new FuseFLSummary("fedavg", seconds, modelBytes * m, modelBytes * m, peak, List.of(line))));
    models.put("ensemble", model(new EnsembleNetwork(nets, p.classes), p,
        new FuseFLSummary("ensemble", seconds, modelBytes * m, modelBytes * m * m, peak, List.of(line))));
    for (int i = 0; i < m; i++) {
      models.put("local-" + i, model(new SingleNetwork(nets.get(i), p.classes, "local"), p,
          new FuseFLSummary("local", seconds, 0, 0, peak, List.of(line))));
    }
    return models;
  }

  private FuseFLModel model(Predictor predictor, Prepared p, FuseFLSummary summary) {
    FuseFLModel model = new FuseFLModel(Identifiable.randomUID("fuseflModel"), predictor, p.shape).withSummary(summary);
    copyValues(model, ParamMap.empty());
    return model;
  }

  // ---- persistence

  @Override
  public FuseFL copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new AtomicStageWriter(this, "FuseFL") {
      @Override
      void writePayload(FileSystem fs, Path dir) {
        // An estimator is its Params: the metadata is all of it.
      }
    };
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  /** Reader for {@code Pipeline.load} and {@link #load}: Spark's metadata. */
  public static MLReader<FuseFL> read() {
    return new MLReader<>() {
      @Override
      public FuseFL load(String path) {
        DefaultParamsReader.Metadata meta = AtomicStageWriter.metadata(path, sparkSession(), FuseFL.class);
        FuseFL f = new FuseFL(meta.uid());
        meta.getAndSetParams(f, scala.Option.empty());
        return f;
      }
    };
  }

  public static FuseFL load(String path) {
    return read().load(path);
  }
}
