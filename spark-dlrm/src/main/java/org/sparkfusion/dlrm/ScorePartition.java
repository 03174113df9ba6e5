package org.sparkfusion.dlrm;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkfusion.dlrm.core.DlrmScorer;

/** Scores one partition in batches, appending the click probability to each row (null for null inputs). */
final class ScorePartition implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private final ModelOptions options;
  private final int denseIndex;
  private final int sparseIndex;
  private final int batchSize;
  private final String denseCol;
  private final String sparseCol;

  ScorePartition(ModelOptions options, int denseIndex, int sparseIndex, int batchSize, String denseCol, String sparseCol) {
    this.options = options;
    this.denseIndex = denseIndex;
    this.sparseIndex = sparseIndex;
    this.batchSize = batchSize;
    this.denseCol = denseCol;
    this.sparseCol = sparseCol;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    DlrmScorer scorer = ExecutorModels.get(options);
    TaskContext tc = TaskContext.get();
    String partition = tc == null ? "" : " of partition " + tc.partitionId();
    return new Iterator<>() {
      private final DlrmScorer.Batch batch = scorer.newBatch(batchSize);
      private final List<Row> rows = new ArrayList<>(batchSize);
      private final boolean[] scored = new boolean[batchSize];
      private float[] ctr = new float[0];
      private int next;
      private long seen;

      @Override
      public boolean hasNext() {
        if (next < rows.size()) {
          return true;
        }
        fill();
        return next < rows.size();
      }

      private void fill() {
        rows.clear();
        batch.clear();
        next = 0;
        while (rows.size() < batchSize && input.hasNext()) {
          Row r = input.next();
          boolean ok = !r.isNullAt(denseIndex) && !r.isNullAt(sparseIndex);
          if (ok) {
            String where = "row " + seen + partition;
            batch.add(InputValues.dense(r.get(denseIndex), denseCol, where),
                InputValues.sparse(r.get(sparseIndex), sparseCol, where), where);
          }
          scored[rows.size()] = ok;
          rows.add(r);
          seen++;
        }
        ctr = scorer.score(batch);
      }

      private int scoredIndex;

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        if (next == 0) {
          scoredIndex = 0;
        }
        Row r = rows.get(next);
        Object[] values = new Object[r.size() + 1];
        for (int i = 0; i < r.size(); i++) {
          values[i] = r.get(i);
        }
        values[r.size()] = scored[next] ? (Object) (double) ctr[scoredIndex++] : null;
        next++;
        return RowFactory.create(values);
      }
    };
  }
}
