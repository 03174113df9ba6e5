package org.sparkfusion.fusefl.core;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * One client's network, four hidden layers split into K blocks, then a linear softmax classifier. Two families:
 * <ul>
 *   <li>"cnn4": four 3x3 convolutions (each followed by BatchNorm and ReLU) of widths w, 2w, 4w, 4w with
 *       strides 1, 2, 2, 1, then global average pooling;</li>
 *   <li>"mlp4": four fully connected layers (each followed by BatchNorm and ReLU) of width 8w on the flattened
 *       image. Dense layers run as matrix products, an order of magnitude faster than convolutions on a CPU.</li>
 * </ul>
 * Heterogeneous clients add {@code extraLayers} layers (stride-1 convolutions or dense layers of the block's
 * width) at the end of every block (deeper, same interfaces). Block split: K=1 all; K=2 {l1,l2},{l3,l4};
 * K=3 {l1},{l2},{l3,l4}; K=4 one layer per block. For the MLP the 1x1-convolution adaptor is its dense
 * equivalent: a linear map from the concatenated branch outputs to this client's block width.
 */
public final class ClientArchitecture implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final int LAYERS_PER_CONV = 3;

  private final ImageShape input;
  private final int numClasses;
  private final int[][] blockWidths;
  private final int[][] blockStrides;
  private final boolean dense;

  ClientArchitecture(ImageShape input, int numClasses, int[][] blockWidths, int[][] blockStrides, boolean dense) {
    this.input = input;
    this.numClasses = numClasses;
    this.blockWidths = blockWidths;
    this.blockStrides = blockStrides;
    this.dense = dense;
  }

  /** Backbone names accepted by {@link #of}. */
  public static final String[] BACKBONES = {"cnn4", "mlp4"};

  /** The named family ("cnn4" or "mlp4") at base width {@code width}, split into {@code blocks} blocks. */
  public static ClientArchitecture of(String backbone, ImageShape input, int numClasses, int width, int blocks,
      int extraLayers) {
    switch (backbone) {
      case "cnn4": return cnn4(input, numClasses, width, blocks, extraLayers);
      case "mlp4": return mlp4(input, numClasses, width, blocks, extraLayers);
      default: throw new IllegalArgumentException("backbone must be one of cnn4, mlp4, got " + backbone);
    }
  }

  /** The cnn4 family at base width {@code width}, split into {@code blocks} blocks. */
  public static ClientArchitecture cnn4(ImageShape input, int numClasses, int width, int blocks, int extraLayers) {
    return split("cnn4", input, numClasses, new int[] {width, 2 * width, 4 * width, 4 * width}, new int[] {1, 2, 2, 1},
        width, blocks, extraLayers, false);
  }

  /** The mlp4 family: four dense layers of width 8w, split into {@code blocks} blocks. */
  public static ClientArchitecture mlp4(ImageShape input, int numClasses, int width, int blocks, int extraLayers) {
    return split("mlp4", input, numClasses, new int[] {8 * width, 8 * width, 8 * width, 8 * width},
        new int[] {1, 1, 1, 1}, width, blocks, extraLayers, true);
  }

  private static ClientArchitecture split(String name, ImageShape input, int numClasses, int[] widths, int[] strides,
      int width, int blocks, int extraLayers, boolean dense) {
    if (width < 1) {
      throw new IllegalArgumentException("width must be >= 1, got " + width);
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
    }
    if (extraLayers < 0) {
      throw new IllegalArgumentException("extra layers must be >= 0, got " + extraLayers);
    }
    int[][] split;
    switch (blocks) {
      case 1: split = new int[][] {{0, 1, 2, 3}}; break;
      case 2: split = new int[][] {{0, 1}, {2, 3}}; break;
      case 3: split = new int[][] {{0}, {1}, {2, 3}}; break;
      case 4: split = new int[][] {{0}, {1}, {2}, {3}}; break;
      default: throw new IllegalArgumentException("blocks (K) must be 1..4 for the " + name + " backbone, got " + blocks);
    }
    int[][] bw = new int[blocks][];
    int[][] bs = new int[blocks][];
    for (int b = 0; b < blocks; b++) {
      int n = split[b].length + extraLayers;
      bw[b] = new int[n];
      bs[b] = new int[n];
      for (int i = 0; i < n; i++) {
        int conv = split[b][Math.min(i, split[b].length - 1)];
        bw[b][i] = widths[conv];
        bs[b][i] = i < split[b].length ? strides[conv] : 1;
      }
    }
    return new ClientArchitecture(input, numClasses, bw, bs, dense);
  }

  /** Whether the blocks are dense layers (features [n, d]) rather than convolutions (feature maps). */
  public boolean dense() {
    return dense;
  }

  public int blocks() {
    return blockWidths.length;
  }

  public int numClasses() {
    return numClasses;
  }

  public ImageShape input() {
    return input;
  }

  /** Output channels of block {@code b}. */
  public int outChannels(int b) {
    return blockWidths[b][blockWidths[b].length - 1];
  }

  /** Dimension of the pooled feature vector the classifier sees. */
  public int featureDim() {
    return outChannels(blocks() - 1);
  }

  /** Spatial size (height, width) of the input of block {@code b}. */
  public int[] spatialInput(int b) {
    int h = input.height();
    int w = input.width();
    for (int j = 0; j < b; j++) {
      for (int s : blockStrides[j]) {
        h = (h + s - 1) / s;
        w = (w + s - 1) / s;
      }
    }
    return new int[] {h, w};
  }

  /**
   * Layer layout of a network that starts at block {@code first}: optional adaptor, then blocks
   * first..K-1, then (if {@code lastBlockOnly} is false or the last block is included) pooling and output.
   */
  public static final class Layout {
    public final int adaptorLayers;
    public final int firstBlock;
    public final int[] blockStart;
    public final int[] blockLength;
    public final int poolIndex;
    public final int outputIndex;

    Layout(int adaptorLayers, int firstBlock, int[] blockStart, int[] blockLength, int poolIndex, int outputIndex) {
      this.adaptorLayers = adaptorLayers;
      this.firstBlock = firstBlock;
      this.blockStart = blockStart;
      this.blockLength = blockLength;
      this.poolIndex = poolIndex;
      this.outputIndex = outputIndex;
    }

    /** Layer index where block {@code b} starts. */
    public int start(int b) {
      return blockStart[b - firstBlock];
    }

    public int length(int b) {
      return blockLength[b - firstBlock];
    }
  }

  /**
   * The network client m trains in stage {@code stage}: [adaptor] + blocks stage..K-1 + pool + classifier.
   *
   * @param inChannels channels of the stage input (the fused features below, or the image at stage 0)
   * @param withAdaptor whether a 1x1 convolution adaptor down to this client's block-(stage-1) width leads
   */
  public MultiLayerNetwork trainingNetwork(int stage, int inChannels, boolean withAdaptor, TrainingConfig cfg,
      long seed) {
    return build(stage, blocks() - 1, inChannels, withAdaptor, true, cfg, seed);
  }

  public Layout trainingLayout(int stage, boolean withAdaptor) {
    return layout(stage, blocks() - 1, withAdaptor, true);
  }

  /** The branch of the fused model for block {@code stage}: [adaptor] + block (+ pooling after the last). */
  public MultiLayerNetwork branchNetwork(int stage, int inChannels, boolean withAdaptor, long seed) {
    return build(stage, stage, inChannels, withAdaptor, false, TrainingConfig.inference(), seed);
  }

  public Layout branchLayout(int stage, boolean withAdaptor) {
    return layout(stage, stage, withAdaptor, false);
  }

  private Layout layout(int first, int last, boolean withAdaptor, boolean withHead) {
    int index = withAdaptor ? 1 : 0;
    int[] start = new int[last - first + 1];
    int[] length = new int[last - first + 1];
    for (int b = first; b <= last; b++) {
      start[b - first] = index;
      length[b - first] = blockWidths[b].length * LAYERS_PER_CONV;
      index += length[b - first];
    }
    int pool = last == blocks() - 1 && !dense ? index++ : -1;
    int out = withHead ? index : -1;
    return new Layout(withAdaptor ? 1 : 0, first, start, length, pool, out);
  }

  private MultiLayerNetwork build(int first, int last, int inChannels, boolean withAdaptor, boolean withHead,
      TrainingConfig cfg, long seed) {
    List<Layer> layers = new ArrayList<>();
    if (withAdaptor) {
      layers.add(dense
          ? new DenseLayer.Builder().nOut(outChannels(first - 1)).activation(Activation.IDENTITY).build()
          : new ConvolutionLayer.Builder(1, 1).nOut(outChannels(first - 1)).stride(1, 1)
              .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
    }
    for (int b = first; b <= last; b++) {
      for (int i = 0; i < blockWidths[b].length; i++) {
        int s = blockStrides[b][i];
        layers.add(dense
            ? new DenseLayer.Builder().nOut(blockWidths[b][i]).activation(Activation.IDENTITY).build()
            : new ConvolutionLayer.Builder(3, 3).nOut(blockWidths[b][i]).stride(s, s)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
        layers.add(new BatchNormalization.Builder().build());
        layers.add(new ActivationLayer.Builder().activation(Activation.RELU).build());
      }
    }
    if (last == blocks() - 1 && !dense) {
      layers.add(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
    }
    if (withHead) {
      layers.add(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(numClasses)
          .activation(Activation.SOFTMAX).build());
    }
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Nesterovs(cfg.learningRate(), cfg.momentum()))
        .weightInit(WeightInit.RELU)
        .list();
    for (Layer l : layers) {
      list.layer(l);
    }
    int[] hw = spatialInput(first);
    InputType in = dense && first > 0 ? InputType.feedForward(inChannels)
        : InputType.convolutional(hw[0], hw[1], inChannels);
    MultiLayerConfiguration conf = list.setInputType(in).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
