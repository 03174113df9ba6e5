package org.sparkfusion.dagtrain;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * The Params of {@link DagTrainer} and {@link DagTrainModel}, declared once (as Spark's {@code LogisticRegressionParams}
 * serves the estimator and its model): a model holds the values it was trained with. Training settings left unset
 * ({@code microBatches}, {@code microBatchSize}, {@code optimizer}, {@code learningRate}, {@code schedule}) come from
 * the session's {@code spark.sparkfusion.dagtrain.*} configuration ({@link DagTrainConfig}) when {@code fit} runs.
 */
public interface DagTrainParams extends Params {

  /** This stage's Param objects (not a Param itself, so Spark's reflection skips it). */
  Declared declared();

  default Param<String> modelName() {
    return declared().modelName;
  }

  default IntParam steps() {
    return declared().steps;
  }

  default IntParam stages() {
    return declared().stages;
  }

  default LongParam seed() {
    return declared().seed;
  }

  default Param<String> compression() {
    return declared().compression;
  }

  default Param<String> planner() {
    return declared().planner;
  }

  default IntParam microBatches() {
    return declared().microBatches;
  }

  default IntParam microBatchSize() {
    return declared().microBatchSize;
  }

  default Param<String> optimizer() {
    return declared().optimizer;
  }

  default DoubleParam learningRate() {
    return declared().learningRate;
  }

  default Param<String> schedule() {
    return declared().schedule;
  }

  default Param<String> outputCol() {
    return declared().outputCol;
  }

  /** Stop once the mean loss of the last 5 steps is at or below this (unset: no target; steps is the limit). */
  default DoubleParam targetLoss() {
    return declared().targetLoss;
  }

  /** Stop after the first step that ends this many seconds into training (unset: no budget). */
  default DoubleParam maxSeconds() {
    return declared().maxSeconds;
  }

  default Param<String> outputNode() {
    return declared().outputNode;
  }

  default String getModelName() {
    return getOrDefault(modelName());
  }

  default int getSteps() {
    return (Integer) getOrDefault(steps());
  }

  default int getStages() {
    return (Integer) getOrDefault(stages());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default String getCompression() {
    return getOrDefault(compression());
  }

  default String getPlanner() {
    return getOrDefault(planner());
  }

  default String getOutputCol() {
    return getOrDefault(outputCol());
  }

  /** The node whose value {@code transform} outputs; empty = the loss's input (the logits). */
  default String getOutputNode() {
    return getOrDefault(outputNode());
  }

  /** Holds a stage's Params; created in its constructor. */
  final class Declared {
    final Param<String> modelName;
    final IntParam steps;
    final IntParam stages;
    final LongParam seed;
    final Param<String> compression;
    final Param<String> planner;
    final IntParam microBatches;
    final IntParam microBatchSize;
    final Param<String> optimizer;
    final DoubleParam learningRate;
    final Param<String> schedule;
    final Param<String> outputCol;
    final Param<String> outputNode;
    final DoubleParam targetLoss;
    final DoubleParam maxSeconds;

    Declared(Params owner) {
      modelName = new Param<>(owner, "modelName", "name of the model in logs and reports");
      steps = new IntParam(owner, "steps", "optimizer steps to train", ParamValidators.gtEq(1));
      stages = new IntParam(owner, "stages", "training tasks (executors) and at most that many pipeline stages",
          ParamValidators.gtEq(1));
      seed = new LongParam(owner, "seed", "random seed (initialisation, data order, dropout)");
      compression = new Param<>(owner, "compression", "none, topk:F, randomk:F, int8 or adatopk",
          parses(Compression::parse));
      planner = new Param<>(owner, "planner", "opfence (measured, OP-Fence) or even",
          parses(PlannerChoice::parse));
      microBatches = new IntParam(owner, "microBatches", "micro-batches per step (unset: session configuration)",
          ParamValidators.gtEq(1));
      microBatchSize = new IntParam(owner, "microBatchSize", "samples per micro-batch (unset: session configuration)",
          ParamValidators.gtEq(1));
      optimizer = new Param<>(owner, "optimizer", "sgd or adam (unset: session configuration)",
          parses(o -> Optimizer.parse(o, 0.01)));
      learningRate = new DoubleParam(owner, "learningRate", "learning rate (unset: session configuration)",
          ParamValidators.gt(0));
      schedule = new Param<>(owner, "schedule", "gpipe or 1f1b (unset: session configuration)",
          parses(Schedule::parse));
      outputCol = new Param<>(owner, "outputCol", "output column of the model's transform: the output node's value"
          + " per row, flattened (array of float)");
      outputNode = new Param<>(owner, "outputNode", "node whose value transform outputs; empty = the loss's input");
      targetLoss = new DoubleParam(owner, "targetLoss", "stop once the mean loss of the last 5 steps is at or below"
          + " this (unset: train all steps)", ParamValidators.inRange(-Double.MAX_VALUE, Double.MAX_VALUE));
      maxSeconds = new DoubleParam(owner, "maxSeconds", "stop after the first step that ends this many seconds into"
          + " training (unset: no time budget)", ParamValidators.inRange(0, Double.MAX_VALUE, false, true));
      owner.setDefault(modelName, "custom");
      owner.setDefault(steps, 20);
      owner.setDefault(stages, 2);
      owner.setDefault(seed, 1L);
      owner.setDefault(compression, "none");
      owner.setDefault(planner, "opfence");
      owner.setDefault(outputCol, "output");
      owner.setDefault(outputNode, "");
    }

    /** A validator that accepts what {@code parse} accepts (the setters call parse first for its message). */
    private static scala.Function1<String, Object> parses(Parser parse) {
      return new Validator(parse);
    }
  }

  /** A domain parse method, serializable like the validator holding it. */
  @FunctionalInterface
  interface Parser extends java.io.Serializable {
    void accept(String value);
  }

  /** Serializable, as Spark ML's validators are (Params travel with their stage). */
  final class Validator extends AbstractFunction1<String, Object> implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final Parser parse;

    Validator(Parser parse) {
      this.parse = parse;
    }

    @Override
    public Object apply(String v) {
      try {
        parse.accept(v);
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }
}
