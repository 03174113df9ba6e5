package org.sparkfusion.dlrm;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.SparkUserDefinedFunction;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The {@code dlrm_predict(dense array<float>, sparse array<array<int>>) -> double} SQL function.
 *
 * <p>{@code dense} holds the model's dense features, {@code sparse} one array of ids per embedding table (an
 * empty array pools to zeros). A null argument gives null. Each executor loads the model once and shares it
 * between its tasks. Ids outside a table fail naming feature, table and id unless
 * {@code spark.sparkfusion.dlrm.outOfRangeIds=hash}. Interaction, id handling, backend and non-finite dense handling
 * ({@code spark.sparkfusion.dlrm.nonFiniteDense}) are taken from the session configuration ({@link DlrmConf})
 * when the function is registered; the model is opened and checked on the driver then.
 *
 * <p>Sessions with {@code spark.sparkfusion.dlrm.modelPath} set get the function without any call, through
 * {@link DlrmSessionExtensions}.
 */
public final class DlrmFunctions {
  /** The SQL name. */
  public static final String NAME = "dlrm_predict";

  /** Function objects of the UDFs made here (weakly held, by identity) and the model each one scores. */
  private static final java.util.Map<Object, ModelOptions> BATCHABLE =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private DlrmFunctions() {}

  /**
   * Makes {@code dlrm_predict} in {@code spark} score with the model at {@code modelPath} (any Hadoop path); also
   * sets {@code spark.sparkfusion.dlrm.modelPath} in the session configuration.
   */
  public static void register(SparkSession spark, String modelPath) {
    // Sessions with DlrmSessionExtensions resolve dlrm_predict to the injected function, which reads the path
    // from the session configuration; sessions without it use the temporary function registered here.
    UserDefinedFunction f = predict(spark, modelPath);
    spark.conf().set(DlrmConf.MODEL_PATH.key(), modelPath);
    spark.udf().register(NAME, f);
  }

  /** The function as a {@link UserDefinedFunction} for the DataFrame API: {@code predict(spark, p).apply(dense, sparse)}. */
  public static UserDefinedFunction predict(SparkSession spark, String modelPath) {
    ModelOptions options = ModelOptions.fromSession(modelPath, spark.conf());
    // A missing or corrupt model fails here, on the driver, naming the path; not in every task.
    DriverModelCheck.check(spark, options, NAME);
    return udf(options);
  }

  static UserDefinedFunction udf(ModelOptions options) {
    UserDefinedFunction udf = functions.udf(new DlrmPredictUdf(options), DataTypes.DoubleType).withName(NAME);
    if (udf instanceof SparkUserDefinedFunction s) {
      BATCHABLE.put(s.f(), options);
    }
    return udf;
  }

  /** The model options of a function object made by {@link #udf}, or null: lets SQL plans score it in batches. */
  static ModelOptions batchOptions(Object function) {
    return BATCHABLE.get(function);
  }
}
