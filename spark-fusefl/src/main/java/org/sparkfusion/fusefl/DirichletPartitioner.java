package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.fusefl.core.DirichletSplit;

/**
 * Dirichlet label skew over M clients as a DataFrame operation: per class, proportions ~ Dir(alpha) over the
 * clients (capped at N/M rows per client, redrawn until every client has at least
 * {@code spark.sparkfusion.fusefl.minRowsPerClient} rows). Deterministic for a seed and the input's row order.
 * The result has an int client column (0..M-1) and one partition per client.
 *
 * <pre>{@code
 * Dataset<Row> clients = DirichletPartitioner.partition(train, "label", "client", 5, 0.5, 1L);
 * }</pre>
 */
public final class DirichletPartitioner {
  private static final Logger LOG = LoggerFactory.getLogger(DirichletPartitioner.class);
  private static final String ROW_ID = "_fusefl_row_id";

  private DirichletPartitioner() {}

  /**
   * Adds {@code clientCol} (int) and lays each client out as one partition.
   *
   * @param labelCol integer class labels in [0, C)
   * @throws IllegalArgumentException naming the parameter or column at fault
   */
  public static Dataset<Row> partition(Dataset<Row> df, String labelCol, String clientCol, int clients, double alpha,
      long seed) {
    return split(df, labelCol, clientCol, clients, alpha, seed).frame();
  }

  /**
   * What {@link #partition} returns plus the split it drew: {@code labels[i]} and {@code assignment[i]} are the
   * label and client of the input's i-th row (row order = {@code monotonically_increasing_id} order, i.e. file
   * order for a file scan), for {@code --export-split}.
   */
  record Split(Dataset<Row> frame, int[] labels, int[] assignment, int minRowsPerClient) {}

  static Split split(Dataset<Row> df, String labelCol, String clientCol, int clients, double alpha, long seed) {
    SparkSession spark = df.sparkSession();
    if (!Arrays.asList(df.columns()).contains(labelCol)) {
      throw new IllegalArgumentException("label column '" + labelCol + "' not found in " + Arrays.toString(df.columns()));
    }
    if (Arrays.asList(df.columns()).contains(clientCol)) {
      throw new IllegalArgumentException("client column '" + clientCol + "' already exists; drop it or pick another name");
    }
    // Row ids: stable as long as the input is deterministic (a file scan, a local collection); persisted so that
    // later stages normally reuse them, recomputed from lineage if an executor is lost.
    Dataset<Row> withId = df.withColumn(ROW_ID, monotonically_increasing_id())
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    List<Row> idLabels = withId.select(col(ROW_ID), col(labelCol).cast(DataTypes.IntegerType)).orderBy(ROW_ID)
        .collectAsList();
    int n = idLabels.size();
    int[] labels = new int[n];
    long[] ids = new long[n];
    int numClasses = 0;
    for (int i = 0; i < n; i++) {
      Row r = idLabels.get(i);
      ids[i] = r.getLong(0);
      if (r.isNullAt(1)) {
        throw new IllegalArgumentException("label column '" + labelCol + "' is null at row " + i);
      }
      labels[i] = r.getInt(1);
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label column '" + labelCol + "' has negative value " + labels[i]
            + " at row " + i);
      }
      numClasses = Math.max(numClasses, labels[i] + 1);
    }
    int minRows = FuseFLConfig.MIN_ROWS_PER_CLIENT.get(spark.conf());
    int[] assignment = DirichletSplit.assign(labels, numClasses, clients, alpha, seed, minRows);
    if (FuseFLConfig.LOG_CLASS_COUNTS.get(spark.conf())) {
      long[][] counts = DirichletSplit.counts(labels, assignment, numClasses, clients);
      for (int c = 0; c < clients; c++) {
        LOG.info("Dirichlet(alpha={}, seed={}) client {}: {} rows, per class {}", alpha, seed, c,
            Arrays.stream(counts[c]).sum(), Arrays.toString(counts[c]));
      }
    }
    // The (row id -> client) table travels as a broadcast, not as a local relation inside the tasks (which
    // made 60,000-row tasks of ~1 MB on Fashion-MNIST).
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    UserDefinedFunction clientOf = functions.udf(new ClientOf(jsc.broadcast(ids), jsc.broadcast(assignment)),
        DataTypes.IntegerType);
    Dataset<Row> joined = withId.withColumn(clientCol, clientOf.apply(col(ROW_ID))).drop(ROW_ID);
    return new Split(ClientPlacement.layOut(joined, clientCol, clients), labels, assignment, minRows);
  }

  /** Client of a row id: binary search in the sorted ids collected on the driver. */
  static final class ClientOf implements UDF1<Long, Integer> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<long[]> ids;
    private final Broadcast<int[]> assignment;

    ClientOf(Broadcast<long[]> ids, Broadcast<int[]> assignment) {
      this.ids = ids;
      this.assignment = assignment;
    }

    @Override
    public Integer call(Long id) {
      int i = Arrays.binarySearch(ids.value(), id);
      if (i < 0) {
        throw new IllegalStateException("row id " + id + " was not seen when the split was drawn: the input of "
            + "DirichletPartitioner.partition must give the same rows in the same order on every evaluation");
      }
      return assignment.value()[i];
    }
  }
}
