package org.sparkfusion.dagtrain;

import java.util.Map;

/** Training data for the first stage: the graph inputs of one micro-batch, deterministic in (step, micro-batch). */
interface MicroBatchSource {
  Map<String, Tensor> microBatch(int step, int micro);
}
