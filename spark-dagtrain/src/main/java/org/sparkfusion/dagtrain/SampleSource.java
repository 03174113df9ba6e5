package org.sparkfusion.dagtrain;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Micro-batches drawn from a list of samples by a generator seeded with (seed, step, micro-batch). */
final class SampleSource implements MicroBatchSource {
  private final List<Node> inputs;
  private final List<Sample> samples;
  private final int batch;
  private final long seed;

  SampleSource(Graph graph, List<Sample> samples, int batch, long seed) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no training samples");
    }
    this.inputs = graph.nodes().stream().filter(Node::isInput).toList();
    this.samples = samples;
    this.batch = batch;
    this.seed = seed;
    Sample first = samples.get(0);
    if (first.values.length != inputs.size()) {
      throw new IllegalArgumentException("samples have " + first.values.length + " inputs, the graph has " + inputs.size()
          + " " + inputs.stream().map(Node::name).toList());
    }
    for (int i = 0; i < inputs.size(); i++) {
      int need = inputs.get(i).output().elements();
      if (first.values[i].length != need) {
        throw new IllegalArgumentException("input '" + inputs.get(i).name() + "' needs " + need + " values per sample ("
            + inputs.get(i).output() + "), the data has " + first.values[i].length);
      }
    }
  }

  @Override
  public Map<String, Tensor> microBatch(int step, int micro) {
    SplittableRandom r = new SplittableRandom(Seeds.mix(Seeds.mix(seed, step), micro));
    Map<String, Tensor> out = new HashMap<>();
    Tensor[] ts = new Tensor[inputs.size()];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = Tensor.zeros(Op.batchShape(batch, inputs.get(i).output().shape()));
      out.put(inputs.get(i).name(), ts[i]);
    }
    for (int b = 0; b < batch; b++) {
      Sample s = samples.get(r.nextInt(samples.size()));
      for (int i = 0; i < ts.length; i++) {
        float[] v = s.values[i];
        if (v.length != ts[i].size() / batch) {
          throw new IllegalArgumentException("a sample's input '" + inputs.get(i).name() + "' has " + v.length + " values, expected "
              + ts[i].size() / batch);
        }
        for (int k = 0; k < v.length; k++) {
          ts[i].data[b * v.length + k] = v[k];
        }
      }
    }
    return out;
  }
}
