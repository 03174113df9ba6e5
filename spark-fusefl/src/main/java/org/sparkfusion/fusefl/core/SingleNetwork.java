package org.sparkfusion.fusefl.core;

import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One network (a FedAvg average, or one client's local model). */
public final class SingleNetwork implements Predictor {
  private final MultiLayerNetwork net;
  private final int classes;
  private final String kind;

  public SingleNetwork(MultiLayerNetwork net, int classes, String kind) {
    this.net = net;
    this.classes = classes;
    this.kind = kind;
  }

  public MultiLayerNetwork network() {
    return net;
  }

  @Override
  public INDArray probabilities(INDArray images) {
    return net.output(images, false);
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public long parameterCount() {
    return net.numParams();
  }

  @Override
  public Map<String, byte[]> toFiles() {
    Map<String, byte[]> files = new TreeMap<>();
    files.put(PredictorFiles.MANIFEST, PredictorFiles.manifest(kind, classes, 1, 1, "none"));
    files.put("model.zip", Networks.toBytes(net));
    return files;
  }
}
