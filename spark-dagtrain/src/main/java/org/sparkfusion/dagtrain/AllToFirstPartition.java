package org.sparkfusion.dagtrain;

import org.apache.spark.Partitioner;

/** Sends every record to partition 0 (the first stage's task) while keeping one partition per training task. */
final class AllToFirstPartition extends Partitioner {
  private static final long serialVersionUID = 1L;
  private final int partitions;

  AllToFirstPartition(int partitions) {
    this.partitions = partitions;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    return 0;
  }
}
