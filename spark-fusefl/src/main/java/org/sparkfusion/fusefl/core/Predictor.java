package org.sparkfusion.fusefl.core;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A trained federated model: class probabilities for a batch of NCHW images. */
public interface Predictor {
  /** Probabilities, one row per image, one column per class. */
  INDArray probabilities(INDArray images);

  int numClasses();

  /** Number of values held at inference time (parameters plus BatchNorm statistics). */
  long parameterCount();

  /** Model files by relative name, including {@code manifest.properties}; see {@link PredictorFiles}. */
  Map<String, byte[]> toFiles();
}
