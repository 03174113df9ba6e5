package org.sparkfusion.fusefl.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Average of the clients' predicted probabilities. */
public final class EnsembleNetwork implements Predictor {
  private final List<MultiLayerNetwork> members;
  private final int classes;

  public EnsembleNetwork(List<MultiLayerNetwork> members, int classes) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("an ensemble needs at least one member");
    }
    this.members = members;
    this.classes = classes;
  }

  @Override
  public INDArray probabilities(INDArray images) {
    INDArray sum = null;
    for (MultiLayerNetwork m : members) {
      INDArray p = m.output(images, false);
      sum = sum == null ? p.dup() : sum.addi(p);
    }
    return sum.divi(members.size());
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public long parameterCount() {
    long n = 0;
    for (MultiLayerNetwork m : members) {
      n += m.numParams();
    }
    return n;
  }

  @Override
  public Map<String, byte[]> toFiles() {
    Map<String, byte[]> files = new TreeMap<>();
    files.put(PredictorFiles.MANIFEST, PredictorFiles.manifest("ensemble", classes, 1, members.size(), "none"));
    for (int m = 0; m < members.size(); m++) {
      files.put("member-" + m + ".zip", Networks.toBytes(members.get(m)));
    }
    return files;
  }
}
