package org.sparkfusion.dlrm;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.ConditionalExpression;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.ColumnarRule;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractPartialFunction;

/**
 * Scores {@code dlrm_predict(dense, sparse)} in SQL projections in batches: a projection computing it on two
 * array columns of its input gets a {@link DlrmScoreExec} below it that appends the score, and reads that column
 * instead of calling the function row by row. Calls under a conditional (CASE, IF, COALESCE), on computed
 * arguments, or of functions not made by {@link DlrmFunctions} keep the row-at-a-time path, which gives the same
 * results.
 */
final class BatchedPredictRule extends Rule<SparkPlan> {
  private final SparkSession session;

  BatchedPredictRule(SparkSession session) {
    this.session = session;
  }

  /** Installs the rule through Spark's columnar hook, which runs on every physical plan (and AQE stage). */
  static ColumnarRule columnarRule(SparkSession session) {
    BatchedPredictRule rule = new BatchedPredictRule(session);
    return new ColumnarRule() {
      @Override
      public Rule<SparkPlan> preColumnarTransitions() {
        return rule;
      }
    };
  }

  @Override
  public SparkPlan apply(SparkPlan plan) {
    return plan.transformUp(new AbstractPartialFunction<SparkPlan, SparkPlan>() {
      @Override
      public boolean isDefinedAt(SparkPlan p) {
        return p instanceof ProjectExec;
      }

      @Override
      public SparkPlan apply(SparkPlan p) {
        ScalaUDF udf = candidate((ProjectExec) p);
        return udf == null ? p : rewrite((ProjectExec) p, udf);
      }
    });
  }

  private static ScalaUDF candidate(ProjectExec project) {
    Seq<Attribute> input = project.child().output();
    List<ScalaUDF> found = new ArrayList<>();
    for (NamedExpression e : CollectionConverters.asJava(project.projectList())) {
      collect((Expression) e, false, input, found);
    }
    return found.isEmpty() ? null : found.get(0);
  }

  private static void collect(Expression e, boolean conditional, Seq<Attribute> input, List<ScalaUDF> found) {
    if (e instanceof ScalaUDF udf && !conditional && DlrmFunctions.batchOptions(udf.function()) != null
        && udf.children().size() == 2 && batchable(udf.children().apply(0), false, input)
        && batchable(udf.children().apply(1), true, input)) {
      found.add(udf);
      return;
    }
    boolean under = conditional || e instanceof ConditionalExpression;
    for (Expression c : CollectionConverters.asJava(e.children())) {
      collect(c, under, input, found);
    }
  }

  private static boolean batchable(Expression arg, boolean nested, Seq<Attribute> input) {
    return arg instanceof Attribute a && DlrmScoreExec.indexOf(input, a) >= 0 && a.dataType() instanceof ArrayType t
        && (!nested || t.elementType() instanceof ArrayType);
  }

  private SparkPlan rewrite(ProjectExec project, ScalaUDF udf) {
    AttributeReference score = new AttributeReference("dlrm_predict", DataTypes.DoubleType, true, Metadata.empty(),
        NamedExpression$.MODULE$.newExprId(), CollectionConverters.asScala(List.<String>of()).toList());
    List<NamedExpression> list = new ArrayList<>();
    for (NamedExpression e : CollectionConverters.asJava(project.projectList())) {
      list.add((NamedExpression) ((Expression) e).transformUp(new AbstractPartialFunction<Expression, Expression>() {
        @Override
        public boolean isDefinedAt(Expression x) {
          return x.semanticEquals(udf);
        }

        @Override
        public Expression apply(Expression x) {
          return score;
        }
      }));
    }
    int batch = DlrmConf.BATCH_SIZE.get(session.conf());
    DlrmScoreExec scored = new DlrmScoreExec(project.child(), (Attribute) udf.children().apply(0),
        (Attribute) udf.children().apply(1), score, DlrmFunctions.batchOptions(udf.function()), batch);
    return new ProjectExec(CollectionConverters.asScala(list).toList(), scored);
  }
}
