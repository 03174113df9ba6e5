package org.sparkfusion.fusefl;

import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.sparkfusion.fusefl.core.ClientArchitecture;

/**
 * The Params of {@link FuseFL} and {@link FuseFLModel}, declared once (as Spark's {@code LogisticRegressionParams}
 * serves LogisticRegression and its model). Names, docs, validators and defaults live in {@link Declared}, which
 * each stage creates for itself in its constructor (a Param belongs to its stage's uid); the accessors and getters
 * here are public methods of the stage, so Spark's reflection ({@code params()}, {@code copy},
 * {@code explainParams}, {@code extractParamMap}), the metadata writer and the command line ({@code ParamOptions})
 * see every one. A model holds the values it was trained with; its {@code inputShape} is the shape it was
 * trained on. {@code numClasses} (0 = infer from the labels) is the estimator's alone: on a model,
 * {@code numClasses()} is the number of classes it predicts, as on Spark's classification models.
 */
public interface FuseFLParams extends Params {
  /** Values of {@code learningRateSchedule} and of {@code adaptorInit} (the job checks its flags against them). */
  List<String> LEARNING_RATE_SCHEDULES = List.of("constant", "cosine");
  List<String> ADAPTOR_INITS = List.of("random", "own-branch");

  /** This stage's Param objects (not a Param itself, so Spark's reflection skips it). */
  Declared declared();

  default Param<String> clientCol() {
    return declared().clientCol;
  }

  default Param<String> featuresCol() {
    return declared().featuresCol;
  }

  default Param<String> labelCol() {
    return declared().labelCol;
  }

  default Param<String> predictionCol() {
    return declared().predictionCol;
  }

  default Param<String> probabilityCol() {
    return declared().probabilityCol;
  }

  default Param<String> method() {
    return declared().method;
  }

  default Param<String> backbone() {
    return declared().backbone;
  }

  default Param<String> adaptor() {
    return declared().adaptor;
  }

  default IntParam blocks() {
    return declared().blocks;
  }

  default IntParam epochsPerStage() {
    return declared().epochsPerStage;
  }

  default IntParam batchSize() {
    return declared().batchSize;
  }

  default DoubleParam learningRate() {
    return declared().learningRate;
  }

  default DoubleParam momentum() {
    return declared().momentum;
  }

  default IntParam width() {
    return declared().width;
  }

  default BooleanParam scaleWidth() {
    return declared().scaleWidth;
  }

  default LongParam seed() {
    return declared().seed;
  }

  default BooleanParam calibrate() {
    return declared().calibrate;
  }

  default IntParam calibrationSamples() {
    return declared().calibrationSamples;
  }

  default IntParam calibrationEpochs() {
    return declared().calibrationEpochs;
  }

  default IntParam augmentShift() {
    return declared().augmentShift;
  }

  default BooleanParam augmentFlip() {
    return declared().augmentFlip;
  }

  default BooleanParam augmentFusedStages() {
    return declared().augmentFusedStages;
  }

  default Param<String> adaptorInit() {
    return declared().adaptorInit;
  }

  default Param<String> learningRateSchedule() {
    return declared().learningRateSchedule;
  }

  default DoubleParam weightDecay() {
    return declared().weightDecay;
  }

  default DoubleParam dropout() {
    return declared().dropout;
  }

  default Param<String> headFeatures() {
    return declared().headFeatures;
  }

  default IntArrayParam inputShape() {
    return declared().inputShape;
  }

  default IntArrayParam clientExtraLayers() {
    return declared().clientExtraLayers;
  }

  default String getClientCol() {
    return getOrDefault(clientCol());
  }

  default String getFeaturesCol() {
    return getOrDefault(featuresCol());
  }

  default String getLabelCol() {
    return getOrDefault(labelCol());
  }

  default String getPredictionCol() {
    return getOrDefault(predictionCol());
  }

  default String getProbabilityCol() {
    return getOrDefault(probabilityCol());
  }

  default String getMethod() {
    return getOrDefault(method());
  }

  default String getBackbone() {
    return getOrDefault(backbone());
  }

  default String getAdaptor() {
    return getOrDefault(adaptor());
  }

  default int getBlocks() {
    return (Integer) getOrDefault(blocks());
  }

  default int getEpochsPerStage() {
    return (Integer) getOrDefault(epochsPerStage());
  }

  default int getBatchSize() {
    return (Integer) getOrDefault(batchSize());
  }

  default double getLearningRate() {
    return (Double) getOrDefault(learningRate());
  }

  default double getMomentum() {
    return (Double) getOrDefault(momentum());
  }

  default int getWidth() {
    return (Integer) getOrDefault(width());
  }

  default boolean getScaleWidth() {
    return (Boolean) getOrDefault(scaleWidth());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default boolean getCalibrate() {
    return (Boolean) getOrDefault(calibrate());
  }

  default int getCalibrationSamples() {
    return (Integer) getOrDefault(calibrationSamples());
  }

  default int getCalibrationEpochs() {
    return (Integer) getOrDefault(calibrationEpochs());
  }

  default int getAugmentShift() {
    return (Integer) getOrDefault(augmentShift());
  }

  default boolean getAugmentFlip() {
    return (Boolean) getOrDefault(augmentFlip());
  }

  default boolean getAugmentFusedStages() {
    return (Boolean) getOrDefault(augmentFusedStages());
  }

  default String getAdaptorInit() {
    return getOrDefault(adaptorInit());
  }

  default String getLearningRateSchedule() {
    return getOrDefault(learningRateSchedule());
  }

  default double getWeightDecay() {
    return (Double) getOrDefault(weightDecay());
  }

  default double getDropout() {
    return (Double) getOrDefault(dropout());
  }

  default String getHeadFeatures() {
    return getOrDefault(headFeatures());
  }

  default int[] getInputShape() {
    return getOrDefault(inputShape());
  }

  default int[] getClientExtraLayers() {
    return getOrDefault(clientExtraLayers());
  }

  /** The Param objects of one stage, created with it and with their defaults set on it. */
  final class Declared implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final Param<String> clientCol;
    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> predictionCol;
    final Param<String> probabilityCol;
    final Param<String> method;
    final Param<String> backbone;
    final Param<String> adaptor;
    final IntParam blocks;
    final IntParam epochsPerStage;
    final IntParam batchSize;
    final DoubleParam learningRate;
    final DoubleParam momentum;
    final IntParam width;
    final BooleanParam scaleWidth;
    final LongParam seed;
    final BooleanParam calibrate;
    final IntParam calibrationSamples;
    final IntParam calibrationEpochs;
    final IntParam augmentShift;
    final BooleanParam augmentFlip;
    final BooleanParam augmentFusedStages;
    final Param<String> adaptorInit;
    final Param<String> learningRateSchedule;
    final DoubleParam weightDecay;
    final DoubleParam dropout;
    final Param<String> headFeatures;
    final IntArrayParam inputShape;
    final IntArrayParam clientExtraLayers;

    Declared(Params owner) {
      clientCol = new Param<>(owner, "clientCol", "column identifying the client (silo) of each row");
      featuresCol = new Param<>(owner, "featuresCol", "features column: array of numbers or ML vector, channels first");
      labelCol = new Param<>(owner, "labelCol", "label column: integer classes in [0, numClasses)");
      predictionCol = new Param<>(owner, "predictionCol", "prediction output column of the model");
      probabilityCol = new Param<>(owner, "probabilityCol", "probability output column of the model");
      method = new Param<>(owner, "method", "fusefl | fedavg | ensemble | local",
          ParamValidators.inArray(new String[] {"fusefl", "fedavg", "ensemble", "local"}));
      backbone = new Param<>(owner, "backbone",
          "client network family: cnn4 = 3x3 convs of widths w,2w,4w,4w; mlp4 = four dense layers of width 8w; "
              + "cnn-small = 4x4/2 and 3x3/2 convs of widths w,2w, then two dense layers of width 16w; "
              + "cnn = 5x5 conv (w) + max-pool 2, 5x5 conv (2w) + max-pool 2, then two dense layers of width 16w",
          ParamValidators.inArray(ClientArchitecture.BACKBONES));
      adaptor = new Param<>(owner, "adaptor", "how fused blocks feed the next block: conv1x1 | avg",
          ParamValidators.inArray(new String[] {"conv1x1", "avg"}));
      blocks = new IntParam(owner, "blocks", "number of blocks K = number of stages (1..4)", ParamValidators.inRange(1, 4));
      epochsPerStage = new IntParam(owner, "epochsPerStage", "local epochs per stage", ParamValidators.gtEq(1));
      batchSize = new IntParam(owner, "batchSize", "mini-batch size", ParamValidators.gtEq(1));
      learningRate = new DoubleParam(owner, "learningRate", "SGD learning rate", ParamValidators.gt(0));
      momentum = new DoubleParam(owner, "momentum", "SGD (Nesterov) momentum", ParamValidators.inRange(0, 1, true, false));
      width = new IntParam(owner, "width", "base width w of a full (baseline) model", ParamValidators.gtEq(1));
      scaleWidth = new BooleanParam(owner, "scaleWidth", "FuseFL clients use width round(w / sqrt(M))");
      seed = new LongParam(owner, "seed", "random seed (initialisation, shuffling, calibration)");
      calibrate = new BooleanParam(owner, "calibrate", "calibrate the averaged classifier with CCVR");
      calibrationSamples = new IntParam(owner, "calibrationSamples", "CCVR virtual features per class",
          ParamValidators.gtEq(1));
      calibrationEpochs = new IntParam(owner, "calibrationEpochs", "CCVR passes over the virtual features",
          ParamValidators.gtEq(1));
      augmentShift = new IntParam(owner, "augmentShift",
          "data augmentation in the client tasks: each training image shifted by a random offset of up to this many "
              + "pixels per axis (zero fill), drawn per batch; 0 = none", ParamValidators.inRange(0, 8));
      augmentFlip = new BooleanParam(owner, "augmentFlip",
          "data augmentation in the client tasks: each training image mirrored left-right with probability 1/2, drawn "
              + "per batch (after the shift, if any); for data whose classes are mirror-invariant (clothing, not digits)");
      augmentFusedStages = new BooleanParam(owner, "augmentFusedStages",
          "FuseFL stages 2..K augment too (the default); false trains them without augmentation on the cached output "
              + "of the frozen fused blocks below (stage 1, which learns the first block, stays augmented), much faster "
              + "because the fused blocks then run once per image instead of once per image and epoch");
      learningRateSchedule = new Param<>(owner, "learningRateSchedule",
          "constant | cosine (decay from learningRate to 0 over each stage's mini-batch steps, per client)",
          ParamValidators.inArray(LEARNING_RATE_SCHEDULES.toArray(new String[0])));
      weightDecay = new DoubleParam(owner, "weightDecay",
          "weight decay in the client tasks: every step also subtracts learningRate x weightDecay x W from each weight "
              + "matrix W (not biases or BatchNorm); 0 = none", ParamValidators.gtEq(0));
      dropout = new DoubleParam(owner, "dropout",
          "dropout in the client tasks: probability of zeroing each output of a hidden dense layer while training "
              + "(the cnn, cnn-small and mlp4 backbones' dense layers); 0 = none", ParamValidators.inRange(0, 1, true, false));
      adaptorInit = new Param<>(owner, "adaptorInit",
          "start of each client's conv1x1 adaptor in stages 2..K: random (DL4J's initialisation) | own-branch (passes "
              + "the client's own fused branch through unchanged and the others' with weight 0, so the stage starts "
              + "from the function the client had learnt; training then mixes in the other branches)",
          ParamValidators.inArray(ADAPTOR_INITS.toArray(new String[0])));
      headFeatures = new Param<>(owner, "headFeatures",
          "input of the fused classifier: concat (the M branches' final features side by side) | sum (the paper's)",
          ParamValidators.inArray(new String[] {"concat", "sum"}));
      inputShape = new IntArrayParam(owner, "inputShape", "[channels, height, width]; empty = infer from length");
      clientExtraLayers = new IntArrayParam(owner, "clientExtraLayers",
          "heterogeneous clients: extra 3x3 convs per block for client i (by sorted client value); empty = none");
      // Defaults = the setting the Fashion-MNIST benchmark rows use (docs/benchmarks/fusefl.md, chosen on held-out
      // training data): cnn, width 16, 2 blocks x 10 epochs, lr 0.02, no augmentation, 5 CCVR passes.
      owner.setDefault(clientCol, "client");
      owner.setDefault(featuresCol, "features");
      owner.setDefault(labelCol, "label");
      owner.setDefault(predictionCol, "prediction");
      owner.setDefault(probabilityCol, "probability");
      owner.setDefault(method, "fusefl");
      owner.setDefault(backbone, "cnn");
      owner.setDefault(adaptor, "conv1x1");
      owner.setDefault(blocks, 2);
      owner.setDefault(epochsPerStage, 10);
      owner.setDefault(batchSize, 128);
      owner.setDefault(learningRate, 0.02);
      owner.setDefault(momentum, 0.9);
      owner.setDefault(width, 16);
      owner.setDefault(scaleWidth, true);
      owner.setDefault(seed, 1L);
      owner.setDefault(calibrate, true);
      owner.setDefault(calibrationSamples, 5000);
      owner.setDefault(calibrationEpochs, 5);
      owner.setDefault(augmentShift, 0);
      owner.setDefault(augmentFlip, false);
      owner.setDefault(augmentFusedStages, true);
      owner.setDefault(learningRateSchedule, "constant");
      owner.setDefault(weightDecay, 0.0);
      owner.setDefault(dropout, 0.0);
      owner.setDefault(adaptorInit, "random");
      owner.setDefault(headFeatures, "concat");
      owner.setDefault(inputShape, new int[0]);
      owner.setDefault(clientExtraLayers, new int[0]);
    }
  }
}
