package org.sparkfusion.dlrm;

import java.util.List;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.SortOrder;
import org.apache.spark.sql.catalyst.plans.physical.Partitioning;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.ArrayType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Physical operator that appends {@code dlrm_predict(dense, sparse)} to each row of its child, scoring the rows in
 * batches (the same path as {@link DlrmModel#transform}). Planted under a projection by
 * {@link BatchedPredictRule}; keeps the child's partitioning and ordering.
 */
final class DlrmScoreExec extends SparkPlan {
  private static final long serialVersionUID = 1L;
  private final SparkPlan child;
  private final Attribute dense;
  private final Attribute sparse;
  private final Attribute result;
  private final ModelOptions options;
  private final Integer batchSize;
  private final Seq<SparkPlan> children;
  private final Seq<Attribute> output;

  public DlrmScoreExec(SparkPlan child, Attribute dense, Attribute sparse, Attribute result, ModelOptions options,
      Integer batchSize) {
    this.child = child;
    this.dense = dense;
    this.sparse = sparse;
    this.result = result;
    this.options = options;
    this.batchSize = batchSize;
    this.children = CollectionConverters.asScala(List.of(child)).toList();
    List<Attribute> out = new java.util.ArrayList<>(CollectionConverters.asJava(child.output()));
    out.add(result);
    this.output = CollectionConverters.asScala(out).toList();
  }

  @Override
  public Seq<Attribute> output() {
    return output;
  }

  @Override
  public Seq<SparkPlan> children() {
    return children;
  }

  @Override
  public Partitioning outputPartitioning() {
    return child.outputPartitioning();
  }

  @Override
  public Seq<SortOrder> outputOrdering() {
    return child.outputOrdering();
  }

  @Override
  public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
    return new DlrmScoreExec(newChildren.apply(0), dense, sparse, result, options, batchSize);
  }

  @Override
  public RDD<InternalRow> doExecute() {
    Seq<Attribute> in = child.output();
    int denseIndex = indexOf(in, dense);
    int sparseIndex = indexOf(in, sparse);
    InternalValues values = new InternalValues((ArrayType) dense.dataType(), (ArrayType) sparse.dataType(),
        dense.name(), sparse.name(), options.nonFiniteNull());
    ScorePartition fn = new ScorePartition(options, denseIndex, sparseIndex, batchSize, values);
    return child.execute().toJavaRDD().mapPartitions(fn).rdd();
  }

  /** Catalyst copies plans reflectively through a public constructor of a public class; this one is internal. */
  @Override
  public SparkPlan makeCopy(Object[] args) {
    return new DlrmScoreExec((SparkPlan) args[0], (Attribute) args[1], (Attribute) args[2], (Attribute) args[3],
        (ModelOptions) args[4], (Integer) args[5]);
  }

  /** Position of {@code a} in {@code attrs} by expression id (qualifiers and nullability may differ), or -1. */
  static int indexOf(Seq<Attribute> attrs, Attribute a) {
    for (int i = 0; i < attrs.size(); i++) {
      if (attrs.apply(i).exprId().equals(a.exprId())) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public int productArity() {
    return 6;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> child;
      case 1 -> dense;
      case 2 -> sparse;
      case 3 -> result;
      case 4 -> options;
      case 5 -> batchSize;
      default -> throw new IndexOutOfBoundsException(String.valueOf(n));
    };
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof DlrmScoreExec;
  }
}
