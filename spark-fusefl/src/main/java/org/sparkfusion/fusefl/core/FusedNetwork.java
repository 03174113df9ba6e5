package org.sparkfusion.fusefl.core;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The FuseFL model: for every block k, all M clients' branches run side by side on the same input. For k < K
 * the branch outputs are concatenated along channels in client order (conv1x1 adaptor: every branch of stage
 * k+1 starts with its own 1x1 convolution) or averaged (avg adaptor). At the last block each branch ends in
 * its feature vector (after global average pooling for convolutional blocks); the M vectors are summed (the
 * paper's choice) or concatenated in client order, and fed to the shared, calibrated classifier head. A
 * concatenated head whose M column blocks all equal a summed head's weights computes the same logits, so
 * "concat" only gives calibration more freedom (a weight per branch and feature).
 * Fused blocks always run in inference mode (BatchNorm statistics frozen).
 */
public final class FusedNetwork implements Predictor {
  private final int blocks;
  private final int classes;
  private final Adaptor adaptor;
  private final boolean concatHeadInput;
  private final List<List<MultiLayerNetwork>> stages = new ArrayList<>();
  private SoftmaxHead head;

  public FusedNetwork(int blocks, int classes, Adaptor adaptor) {
    this(blocks, classes, adaptor, false);
  }

  /** @param concatHeadInput the head sees the concatenation of the M final features rather than their sum */
  public FusedNetwork(int blocks, int classes, Adaptor adaptor, boolean concatHeadInput) {
    this.blocks = blocks;
    this.classes = classes;
    this.adaptor = adaptor;
    this.concatHeadInput = concatHeadInput;
  }

  public boolean concatHeadInput() {
    return concatHeadInput;
  }

  public int blocks() {
    return blocks;
  }

  public int completedStages() {
    return stages.size();
  }

  public int clients() {
    return stages.isEmpty() ? 0 : stages.get(0).size();
  }

  public Adaptor adaptor() {
    return adaptor;
  }

  /** Adds the M branches of the next block, in client order. */
  public void addStage(List<MultiLayerNetwork> branches) {
    if (stages.size() >= blocks) {
      throw new IllegalStateException("all " + blocks + " blocks are already fused");
    }
    if (!stages.isEmpty() && branches.size() != clients()) {
      throw new IllegalArgumentException("stage has " + branches.size() + " branches, expected " + clients());
    }
    stages.add(List.copyOf(branches));
  }

  public List<MultiLayerNetwork> stage(int k) {
    return stages.get(k);
  }

  public void setHead(SoftmaxHead head) {
    this.head = head;
  }

  public SoftmaxHead head() {
    return head;
  }

  /**
   * Input of block {@code stage} for a batch of images: the images for stage 0, otherwise the combined
   * outputs of the fused blocks below (for {@code stage == K}, the head's input: summed [n, d] or
   * concatenated [n, M*d] final features).
   */
  public INDArray stageInput(INDArray images, int stage) {
    if (stage > stages.size()) {
      throw new IllegalStateException("only " + stages.size() + " blocks are fused, cannot feed block " + stage);
    }
    INDArray current = images;
    for (int k = 0; k < stage; k++) {
      List<MultiLayerNetwork> branches = stages.get(k);
      INDArray[] outs = new INDArray[branches.size()];
      for (int m = 0; m < outs.length; m++) {
        outs[m] = branches.get(m).output(current, false);
      }
      INDArray next = k < blocks - 1 ? combine(outs, adaptor) : concatHeadInput ? Nd4j.concat(1, outs) : combine(outs, null);
      // Free the intermediate arrays now (never the caller's images): ND4J releases a detached array's buffer
      // only when the garbage collector finds it, and a batch makes several MB of them.
      if (current != images) {
        Arrays2.close(current);
      }
      for (INDArray o : outs) {
        if (o != next) {
          Arrays2.close(o);
        }
      }
      current = next;
    }
    return current;
  }

  /** Concatenation along channels (conv1x1), element-wise mean (avg), or the sum (null: final features). */
  static INDArray combine(INDArray[] outs, Adaptor how) {
    if (how == Adaptor.CONV1X1) {
      return Nd4j.concat(1, outs);
    }
    INDArray sum = outs[0].dup();
    for (int m = 1; m < outs.length; m++) {
      sum.addi(outs[m]);
    }
    return how == Adaptor.AVG ? sum.divi(outs.length) : sum;
  }

  /** Channels of the input of block {@code stage} given each client's block output widths. */
  public static int stageInputChannels(int stage, Adaptor adaptor, ImageShape input, int[] clientOutChannels) {
    if (stage == 0) {
      return input.channels();
    }
    if (adaptor == Adaptor.CONV1X1) {
      int sum = 0;
      for (int c : clientOutChannels) {
        sum += c;
      }
      return sum;
    }
    for (int c : clientOutChannels) {
      if (c != clientOutChannels[0]) {
        throw new IllegalArgumentException("the avg adaptor needs equal block widths across clients");
      }
    }
    return clientOutChannels[0];
  }

  @Override
  public INDArray probabilities(INDArray images) {
    if (head == null || stages.size() < blocks) {
      throw new IllegalStateException("the fused model is not complete");
    }
    INDArray f = stageInput(images, blocks);
    int n = (int) f.size(0);
    int d = (int) f.size(1);
    INDArray fc = f.dup('c');
    float[] feats = fc.data().asFloat();
    Arrays2.close(fc, f == images ? null : f);
    float[] out = new float[n * classes];
    for (int i = 0; i < n; i++) {
      double[] p = head.probabilities(feats, i * d);
      for (int c = 0; c < classes; c++) {
        out[i * classes + c] = (float) p[c];
      }
    }
    return Nd4j.create(out, new long[] {n, classes}, 'c');
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public long parameterCount() {
    long n = head == null ? 0 : head.parameterCount();
    for (List<MultiLayerNetwork> s : stages) {
      for (MultiLayerNetwork b : s) {
        n += b.numParams();
      }
    }
    return n;
  }

  @Override
  public Map<String, byte[]> toFiles() {
    Map<String, byte[]> files = new TreeMap<>();
    files.put(PredictorFiles.MANIFEST,
        PredictorFiles.manifest("fusefl", classes, blocks, clients(), adaptor.paramValue(),
            concatHeadInput ? "concat" : "sum"));
    for (int k = 0; k < stages.size(); k++) {
      for (int m = 0; m < stages.get(k).size(); m++) {
        files.put("branch-" + k + "-" + m + ".zip", Networks.toBytes(stages.get(k).get(m)));
      }
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      head.write(out);
      out.flush();
      files.put("head.bin", bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
