package org.sparkfusion.dlrm;

import org.apache.spark.sql.api.java.UDF2;
import org.sparkfusion.dlrm.core.DlrmScorer;

/** {@code dlrm_predict(dense, sparse)}: scores one row with the executor's shared model; null in, null out. */
final class DlrmPredictUdf implements UDF2<Object, Object, Double> {
  private static final long serialVersionUID = 1L;
  private final ModelOptions options;

  DlrmPredictUdf(ModelOptions options) {
    this.options = options;
  }

  @Override
  public Double call(Object dense, Object sparse) {
    if (dense == null || sparse == null) {
      return null;
    }
    DlrmScorer scorer = ExecutorModels.get(options);
    String where = "the row with dense=" + abbreviate(dense);
    DlrmScorer.Batch batch = scorer.newBatch(1);
    batch.add(InputValues.dense(dense, "dense", where), InputValues.sparse(sparse, "sparse", where), where);
    return (double) scorer.score(batch)[0];
  }

  private static String abbreviate(Object o) {
    String s = String.valueOf(o);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
