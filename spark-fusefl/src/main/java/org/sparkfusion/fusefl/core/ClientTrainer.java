package org.sparkfusion.fusefl.core;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Client-side training. In FuseFL stage k a client trains [its adaptor] + its blocks k..K-1 + its classifier
 * on the output of the frozen fused blocks below (computed per mini-batch, inference mode), starting blocks
 * above k and the classifier from where its previous stage left them. The baselines train the whole network
 * (K = 1, stage 0) from an initialisation shared by all clients.
 */
public final class ClientTrainer {
  private static final int ACCURACY_SAMPLE = 2000;

  private ClientTrainer() {}

  /**
   * Trains one client for one stage.
   *
   * @param below fused blocks 0..stage-1 (may be null at stage 0)
   * @param inChannels channels of the stage input
   * @param previousState the client's training network after the previous stage, or null at stage 0
   * @param initSeed seed of the network initialisation
   * @param ownBranchOffset where this client's branch starts in the adaptor's input, to start the adaptor as the
   *     selection of that branch; -1 keeps its random initialisation
   */
  public static StageOutcome trainStage(ClientArchitecture arch, int stage, FusedNetwork below, int inChannels,
      Adaptor adaptor, byte[] previousState, LocalData data, TrainingConfig config, int client, long initSeed,
      int ownBranchOffset) {
    return train(arch, stage, below, inChannels, adaptor, previousState, data, config, client, initSeed,
        ownBranchOffset, false);
  }

  /**
   * Trains one baseline client: the whole one-block network from stage 0, uploaded whole (a baseline client sends
   * its model, classifier included).
   */
  public static StageOutcome trainBaseline(ClientArchitecture arch, int inChannels, LocalData data,
      TrainingConfig config, int client, long initSeed) {
    if (arch.blocks() != 1) {
      throw new IllegalArgumentException("a baseline client trains a one-block network, got " + arch.blocks());
    }
    return train(arch, 0, null, inChannels, Adaptor.CONV1X1, null, data, config, client, initSeed, -1, true);
  }

  private static StageOutcome train(ClientArchitecture arch, int stage, FusedNetwork below, int inChannels,
      Adaptor adaptor, byte[] previousState, LocalData data, TrainingConfig config, int client, long initSeed,
      int ownBranchOffset, boolean uploadWholeModel) {
    long start = System.nanoTime();
    TrainingConfig cfg = config.forRows(data.size());
    boolean withAdaptor = stage > 0 && adaptor == Adaptor.CONV1X1;
    MultiLayerNetwork net = startingNetwork(arch, stage, inChannels, adaptor, previousState, cfg, client, initSeed,
        ownBranchOffset);
    ClientArchitecture.Layout layout = arch.trainingLayout(stage, withAdaptor);
    int n = data.size();
    int[] order = data.identityOrder();
    SplittableRandom rng = new SplittableRandom(cfg.seed() * 1_000_003L + client * 7919L + stage);
    // With shift augmentation every epoch sees new stage inputs: no cache of the frozen blocks' output. A flip
    // alone has two outcomes per image: both are cached.
    StageInputs inputs = StageInputs.of(below, stage, data, cfg.augmentShift() > 0 ? 0 : StageInputs.MAX_VALUES,
        cfg.augmentFlip());
    double lossSum = 0;
    int lossBatches = 0;
    long peak = 0;
    String where = "client " + client + ", stage " + (stage + 1);
    for (int e = 0; e < cfg.epochs(); e++) {
      shuffle(order, rng);
      lossSum = 0;
      lossBatches = 0;
      for (int from = 0; from < n; from += cfg.batchSize()) {
        int to = Math.min(n, from + cfg.batchSize());
        INDArray x = inputs.trainingBatch(order, from, to, cfg.augmentShift(), cfg.augmentFlip(), rng);
        INDArray y = data.oneHot(order, from, to, arch.numClasses());
        net.fit(x, y);
        double s = net.score();
        // The batch arrays are detached (outside DL4J's workspaces): free them now rather than at the next GC.
        Arrays2.close(x, y);
        OffHeapGuard.check(where);
        if (!Double.isFinite(s)) {
          throw new IllegalStateException("client " + client + " stage " + stage + ": training loss became " + s
              + " (lower the learning rate?)");
        }
        lossSum += s;
        lossBatches++;
        peak = Math.max(peak, memoryInUse());
      }
    }
    double accuracy = accuracy(net, inputs, data, order);
    MultiLayerNetwork branch = arch.branchNetwork(stage, inChannels, withAdaptor, initSeed);
    ClientArchitecture.Layout branchLayout = arch.branchLayout(stage, withAdaptor);
    if (withAdaptor) {
      Networks.copyLayers(net, 0, branch, 0, 1);
    }
    Networks.copyLayers(net, layout.start(stage), branch, branchLayout.start(stage), layout.length(stage));
    // A FuseFL client uploads its block only, also when K = 1: the fused model's branches end in features, and the
    // averaged, calibrated head goes on top (uploading the whole network there fed the clients' class
    // probabilities to a head sized for their features: the K = 1 ArrayIndexOutOfBounds of issue 21).
    byte[] upload = uploadWholeModel ? Networks.toBytes(net) : Networks.toBytes(branch);
    long uploadParams = uploadWholeModel ? net.numParams() : branch.numParams();
    return new StageOutcome(client, n, upload, Networks.toBytes(net), lossBatches == 0 ? Double.NaN : lossSum / lossBatches,
        accuracy, (System.nanoTime() - start) / 1e9, uploadParams, peak);
  }

  /**
   * The network client {@code client} trains in stage {@code stage} before its first step: blocks above the stage
   * and the classifier as the previous stage left them, the adaptor (if any) random or selecting the client's own
   * branch (see {@link #trainStage}).
   */
  static MultiLayerNetwork startingNetwork(ClientArchitecture arch, int stage, int inChannels, Adaptor adaptor,
      byte[] previousState, TrainingConfig cfg, int client, long initSeed, int ownBranchOffset) {
    boolean withAdaptor = stage > 0 && adaptor == Adaptor.CONV1X1;
    MultiLayerNetwork net = arch.trainingNetwork(stage, inChannels, withAdaptor, cfg, initSeed);
    ClientArchitecture.Layout layout = arch.trainingLayout(stage, withAdaptor);
    if (previousState != null) {
      MultiLayerNetwork prev = Networks.fromBytes(previousState, "state of client " + client);
      ClientArchitecture.Layout prevLayout = arch.trainingLayout(stage - 1, stage - 1 > 0 && adaptor == Adaptor.CONV1X1);
      for (int b = stage; b < arch.blocks(); b++) {
        Networks.copyLayers(prev, prevLayout.start(b), net, layout.start(b), layout.length(b));
      }
      Networks.copyLayers(prev, prevLayout.outputIndex, net, layout.outputIndex, 1);
    }
    if (withAdaptor && ownBranchOffset >= 0) {
      selectBranch(net.getLayer(0), ownBranchOffset);
    }
    return net;
  }

  /**
   * Sets a 1x1 adaptor (a dense layer, W [in, out], or a 1x1 convolution, W [out, in, 1, 1]) to copy input
   * channels offset..offset+out-1 to its outputs and ignore the rest; bias 0.
   */
  static void selectBranch(org.deeplearning4j.nn.api.Layer adaptorLayer, int offset) {
    INDArray w = adaptorLayer.getParam("W");
    boolean dense = w.rank() == 2;
    long in = dense ? w.size(0) : w.size(1);
    long out = dense ? w.size(1) : w.size(0);
    if (offset + out > in) {
      throw new IllegalArgumentException("adaptor branch channels " + offset + ".." + (offset + out - 1)
          + " exceed its " + in + " input channels");
    }
    INDArray sel = Nd4j.zeros(w.dataType(), w.shape());
    for (long j = 0; j < out; j++) {
      if (dense) {
        sel.putScalar(new long[] {offset + j, j}, 1.0);
      } else {
        sel.putScalar(new long[] {j, offset + j, 0, 0}, 1.0);
      }
    }
    adaptorLayer.setParam("W", sel);
    if (adaptorLayer.paramTable().containsKey("b")) {
      adaptorLayer.setParam("b", Nd4j.zeros(w.dataType(), adaptorLayer.getParam("b").shape()));
    }
  }

  /** Per-class statistics of the fused features (sum of the pooled branch outputs) on this client's data. */
  public static ClassStatistics classStatistics(FusedNetwork fused, LocalData data, int numClasses, int batchSize) {
    int[] order = data.identityOrder();
    ClassStatistics stats = null;
    int[] labels = data.labels();
    for (int from = 0; from < data.size(); from += batchSize) {
      int to = Math.min(data.size(), from + batchSize);
      INDArray images = data.batch(order, from, to);
      INDArray f = fused.stageInput(images, fused.blocks());
      int d = (int) f.size(1);
      if (stats == null) {
        stats = new ClassStatistics(numClasses, d);
      }
      stats.addAll(f.dup('c').data().asFloat(), to - from, labels, from);
      Arrays2.close(f, images);
      OffHeapGuard.check("class statistics");
    }
    return stats;
  }

  static double accuracy(MultiLayerNetwork net, StageInputs inputs, LocalData data, int[] order) {
    int n = Math.min(ACCURACY_SAMPLE, data.size());
    int correct = 0;
    int[] labels = data.labels();
    for (int from = 0; from < n; from += 256) {
      int to = Math.min(n, from + 256);
      INDArray x = inputs.batch(order, from, to);
      INDArray p = net.output(x, false);
      INDArray arg = p.argMax(1);
      for (int i = from; i < to; i++) {
        if (arg.getInt(i - from) == labels[order[i]]) {
          correct++;
        }
      }
      Arrays2.close(x, p, arg);
      OffHeapGuard.check("training accuracy");
    }
    return n == 0 ? Double.NaN : (double) correct / n;
  }

  static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /**
   * JVM heap in use plus the resident memory outside the committed heap (ND4J's buffers are not counted by
   * JavaCPP's {@code Pointer.totalBytes()}, so the process's resident size is the only measure that sees them).
   */
  public static long memoryInUse() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory() + Math.max(0, OffHeapGuard.offHeapBytes());
  }
}
