package org.sparkfusion.dlrm;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.sparkfusion.dlrm.core.DlrmScorer;

/**
 * Scores one partition of Spark's internal rows in batches, appending the click probability to each row (null
 * for null inputs). Input rows are copied into the batch (Spark reuses their buffers); the dense and sparse
 * arrays are read without boxing.
 */
final class ScorePartition implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;
  private final ModelOptions options;
  private final int denseIndex;
  private final int sparseIndex;
  private final int batchSize;
  private final InternalValues values;
  private final int idIndex;
  private final org.apache.spark.sql.types.DataType idType;

  ScorePartition(ModelOptions options, int denseIndex, int sparseIndex, int batchSize, InternalValues values) {
    this(options, denseIndex, sparseIndex, batchSize, values, -1, null);
  }

  /**
   * {@code idIndex}: position of an {@code id} column (type {@code idType}) whose value error messages quote (-1:
   * none).
   */
  ScorePartition(ModelOptions options, int denseIndex, int sparseIndex, int batchSize, InternalValues values,
      int idIndex, org.apache.spark.sql.types.DataType idType) {
    this.idIndex = idIndex;
    this.idType = idType;
    this.options = options;
    this.denseIndex = denseIndex;
    this.sparseIndex = sparseIndex;
    this.batchSize = batchSize;
    this.values = values;
  }

  @Override
  public Iterator<InternalRow> call(Iterator<InternalRow> input) {
    DlrmScorer scorer = ExecutorModels.get(options);
    TaskContext tc = TaskContext.get();
    String partition = tc == null ? "" : " of partition " + tc.partitionId();
    return new Iterator<>() {
      private final DlrmScorer.Batch batch = scorer.newBatch(batchSize);
      private final InternalRow[] rows = new InternalRow[batchSize];
      private final boolean[] scored = new boolean[batchSize];
      private float[] ctr = new float[0];
      private int size;
      private int next;
      private int scoredIndex;
      private long seen;

      @Override
      public boolean hasNext() {
        if (next < size) {
          return true;
        }
        fill();
        return next < size;
      }

      private void fill() {
        batch.clear();
        size = 0;
        next = 0;
        scoredIndex = 0;
        while (size < batchSize && input.hasNext()) {
          InternalRow r = input.next().copy();
          boolean ok = !r.isNullAt(denseIndex) && !r.isNullAt(sparseIndex);
          if (ok) {
            String where = where(r);
            float[] dense = values.dense(r.getArray(denseIndex), where);
            ok = dense != null;
            if (ok) {
              batch.add(dense, values.sparse(r.getArray(sparseIndex), where), where);
            }
          }
          scored[size] = ok;
          rows[size++] = r;
          seen++;
        }
        ctr = scorer.score(batch);
      }

      /** Row ordinal in the partition, the input file being read (if any) and the id column's value. */
      private String where(InternalRow r) {
        StringBuilder b = new StringBuilder("row ").append(seen).append(partition);
        String file = RowLocation.currentFile();
        if (file != null) {
          b.append(" (input ").append(file).append(')');
        }
        if (idIndex >= 0 && !r.isNullAt(idIndex)) {
          b.append(" with id ").append(r.get(idIndex, idType));
        }
        return b.toString();
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        GenericInternalRow out = new GenericInternalRow(1);
        if (scored[next]) {
          out.setDouble(0, ctr[scoredIndex++]);
        } else {
          out.setNullAt(0);
        }
        InternalRow r = rows[next];
        rows[next++] = null;
        return new JoinedRow(r, out);
      }
    };
  }
}
