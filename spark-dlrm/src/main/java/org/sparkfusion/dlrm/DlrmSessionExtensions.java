package org.sparkfusion.dlrm;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.classic.ColumnNodeToExpressionConverter$;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.execution.ColumnarRule;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.NumericType;
import scala.Function1;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.runtime.BoxedUnit;

/**
 * Adds {@code dlrm_predict} to every session (found through
 * {@code META-INF/services/org.apache.spark.sql.SparkSessionExtensionsProvider}). The function scores with
 * {@code spark.sparkfusion.dlrm.modelPath}; calling it without that key set fails at analysis with a message
 * saying so. Argument count and types are checked at analysis time; feature counts at the first row.
 */
public final class DlrmSessionExtensions implements SparkSessionExtensionsProvider {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    Function1<Seq<Expression>, Expression> builder = DlrmSessionExtensions::build;
    extensions.injectFunction(new Tuple3<>(new FunctionIdentifier(DlrmFunctions.NAME),
        new ExpressionInfo(DlrmSessionExtensions.class.getName(), DlrmFunctions.NAME), builder));
    Function1<SparkSession, ColumnarRule> batched = BatchedPredictRule::columnarRule;
    extensions.injectColumnar(batched);
    return BoxedUnit.UNIT;
  }

  static Expression build(Seq<Expression> children) {
    if (children.size() != 2) {
      throw new IllegalArgumentException(DlrmFunctions.NAME + " takes 2 arguments (dense array<float>, sparse "
          + "array<array<int>>) but got " + children.size());
    }
    checkType(children.apply(0), "dense", "array<float>", false);
    checkType(children.apply(1), "sparse", "array<array<int>>", true);
    SparkSession spark = SparkSession.active();
    String path = spark.conf().get(DlrmConf.MODEL_PATH.key(), null);
    if (path == null || path.isEmpty()) {
      throw new IllegalStateException(DlrmFunctions.NAME + ": no model configured; set " + DlrmConf.MODEL_PATH.key()
          + " or call DlrmFunctions.register(spark, modelPath)");
    }
    List<Column> cols = new ArrayList<>();
    for (int i = 0; i < children.size(); i++) {
      cols.add(ExpressionUtils.column(children.apply(i)));
    }
    ModelOptions options = ModelOptions.fromSession(path, spark.conf());
    DriverModelCheck.check(spark, options, DlrmFunctions.NAME);
    Column call = DlrmFunctions.udf(options).apply(cols.toArray(new Column[0]));
    // ColumnNodeToExpressionConverter turns the UDF call into a resolved ScalaUDF (Spark 4 internal API).
    return ColumnNodeToExpressionConverter$.MODULE$.apply(call.node());
  }

  private static void checkType(Expression e, String name, String expected, boolean nested) {
    if (!e.resolved()) {
      return;
    }
    DataType t = e.dataType();
    if (t instanceof NullType) {
      return;
    }
    boolean ok = t instanceof ArrayType a && (nested
        ? a.elementType() instanceof ArrayType inner && inner.elementType() instanceof IntegralType
        : a.elementType() instanceof NumericType);
    if (!ok) {
      throw new IllegalArgumentException(DlrmFunctions.NAME + ": argument " + name + " (" + e.sql() + ") has type "
          + t.simpleString() + ", expected " + expected);
    }
  }
}
