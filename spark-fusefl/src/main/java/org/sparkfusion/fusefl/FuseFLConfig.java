package org.sparkfusion.fusefl;

import java.util.List;
import org.sparkfusion.common.config.ConfigEntry;
import org.sparkfusion.common.config.ConfigTable;

/** Session-level settings of the FuseFL module ({@code spark.sparkfusion.fusefl.*}). */
public final class FuseFLConfig implements ConfigTable {
  static final String PREFIX = "spark.sparkfusion.fusefl.";

  static final ConfigEntry<Integer> PREDICT_BATCH = ConfigEntry.integer(PREFIX + "predictBatchSize", 256,
      "Rows per forward pass in FuseFLModel.transform and in the calibration statistics pass.")
      .checkedBy(v -> v > 0, "> 0");
  static final ConfigEntry<Integer> MIN_ROWS_PER_CLIENT = ConfigEntry.integer(PREFIX + "minRowsPerClient", 10,
      "Minimum rows per client in DirichletPartitioner (the split is redrawn until every client has this many).")
      .checkedBy(v -> v >= 1, ">= 1");
  static final ConfigEntry<Boolean> LOG_CLASS_COUNTS = ConfigEntry.bool(PREFIX + "logClassCounts", true,
      "Log every client's per-class row counts when partitioning.");
  static final ConfigEntry<Integer> TEST_FAIL_FIRST_ATTEMPT = ConfigEntry.integer(PREFIX + "test.failFirstAttemptOfStage",
      0, "Test hook: when n > 0, the first attempt of client 0's task in training stage n (1-based) throws, so "
          + "Spark retries it. 0 disables.")
      .checkedBy(v -> v >= 0, ">= 0");

  @Override
  public String module() {
    return "fusefl";
  }

  @Override
  public String description() {
    return "FuseFL one-shot federated learning (spark-fusefl): prediction batch size, partitioner limits, test hooks.";
  }

  @Override
  public List<ConfigEntry<?>> entries() {
    return List.of(PREDICT_BATCH, MIN_ROWS_PER_CLIENT, LOG_CLASS_COUNTS, TEST_FAIL_FIRST_ATTEMPT);
  }
}
