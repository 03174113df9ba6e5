package org.sparkfusion.dlrm;

import org.apache.spark.sql.api.java.UDF2;
import org.sparkfusion.dlrm.core.DlrmScorer;

/** {@code dlrm_predict(dense, sparse)}: scores one row with the executor's shared model; null in, null out; a
 * non-finite dense value fails naming it, or gives null with {@code spark.sparkfusion.dlrm.nonFiniteDense=null}. */
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
    String file = RowLocation.currentFile();
    String where = "the row with dense=" + abbreviate(dense) + (file == null ? "" : " (input " + file + ")");
    DlrmScorer.Batch batch = scorer.newBatch(1);
    float[] d;
    try {
      d = InputValues.dense(dense, "dense", where);
    } catch (NonFiniteDenseException e) {
      if (options.nonFiniteNull()) {
        return null;
      }
      throw e;
    }
    batch.add(d, InputValues.sparse(sparse, "sparse", where), where);
    return (double) scorer.score(batch)[0];
  }

  private static String abbreviate(Object o) {
    String s = String.valueOf(o);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
