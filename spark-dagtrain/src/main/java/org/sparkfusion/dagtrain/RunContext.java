package org.sparkfusion.dagtrain;

/** Identifies one forward pass: which step and micro-batch, for placement-independent randomness (dropout). */
record RunContext(long seed, int step, int microBatch, boolean training) {
  long seedFor(String node) {
    return Seeds.mix(Seeds.mix(Seeds.mix(seed, node), step), microBatch);
  }
}
