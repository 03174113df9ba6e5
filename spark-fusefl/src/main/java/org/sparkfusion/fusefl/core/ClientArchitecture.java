package org.sparkfusion.fusefl.core;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * One client's network, four hidden layers split into K blocks, then a linear softmax classifier. Two families:
 * <ul>
 *   <li>"cnn4": four 3x3 convolutions (each followed by BatchNorm and ReLU) of widths w, 2w, 4w, 4w with
 *       strides 1, 2, 2, 1, then global average pooling;</li>
 *   <li>"mlp4": four fully connected layers (each followed by BatchNorm and ReLU) of width 8w on the flattened
 *       image. Dense layers run as matrix products, an order of magnitude faster than convolutions on a CPU.</li>
 *   <li>"cnn-small": a 4x4 stride-2 convolution of width w (28x28 -> 13x13) and a 3x3 stride-2 convolution of
 *       width 2w (-> 6x6), both without padding and followed by ReLU (no BatchNorm: on DL4J's CPU path it cost
 *       about a fifth of the step time), then two fully connected layers of width 16w (BatchNorm, ReLU). The
 *       strided convolutions keep DL4J's im2col buffers small, which is what its convolutions spend their time
 *       on here, so it trains about 5x faster than a LeNet with 5x5 stride-1 convolutions and pooling.</li>
 *   <li>"cnn": a LeNet-like network run by {@link FastConvolution}: a 5x5 'same' convolution of width w + ReLU +
 *       2x2 max-pooling (28x28 -> 14x14), the same with width 2w (-> 7x7), then two fully connected layers of width
 *       16w (BatchNorm, ReLU). Its convolutions (and 1x1 adaptors) use our im2col + sgemm layer, 4-5x faster
 *       than DL4J's ConvolutionLayer on one thread here.</li>
 * </ul>
 * Heterogeneous clients add {@code extraLayers} layers (stride-1 convolutions or dense layers of the block's
 * width; for convolutions 3x3 stride-1 with ReLU) at the end of every block (deeper, same interfaces). Block
 * split: K=1 all; K=2 {l1,l2},{l3,l4}; K=3 {l1},{l2},{l3,l4}; K=4 one layer per block. The adaptor in front
 * of block k is a 1x1 convolution when block k-1 ends in a feature map (cnn4, and cnn-small's convolutional
 * blocks) and its dense equivalent when block k-1 ends in a vector: a linear map from the concatenated branch
 * outputs down to this client's block-(k-1) width.
 */
public final class ClientArchitecture implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** Layer kinds: 3x3 'same' convolution + BatchNorm + ReLU; dense + BatchNorm + ReLU; convolution + ReLU. */
  private static final int CONV_BN = 0;
  private static final int DENSE = 1;
  private static final int CONV_RELU = 2;
  /** 5x5 'same' convolution + ReLU, then 2x2 max-pooling (the "cnn" backbone). */
  private static final int CONV_POOL = 3;

  private final ImageShape input;
  private final int numClasses;
  private final int[][] blockWidths;
  private final int[][] blockStrides;
  private final int[][] blockKernels;
  private final int[][] blockKinds;
  /** Whether convolutions run as {@link FastConvolution} (the "cnn" backbone) or DL4J's ConvolutionLayer. */
  private final boolean fastConv;

  ClientArchitecture(ImageShape input, int numClasses, int[][] blockWidths, int[][] blockStrides,
      int[][] blockKernels, int[][] blockKinds, boolean fastConv) {
    this.fastConv = fastConv;
    this.input = input;
    this.numClasses = numClasses;
    this.blockWidths = blockWidths;
    this.blockStrides = blockStrides;
    this.blockKernels = blockKernels;
    this.blockKinds = blockKinds;
  }

  /** Backbone names accepted by {@link #of}. */
  public static final String[] BACKBONES = {"cnn4", "mlp4", "cnn-small", "cnn"};

  /** The named family (see {@link #BACKBONES}) at base width {@code width}, split into {@code blocks} blocks. */
  public static ClientArchitecture of(String backbone, ImageShape input, int numClasses, int width, int blocks,
      int extraLayers) {
    switch (backbone) {
      case "cnn4": return cnn4(input, numClasses, width, blocks, extraLayers);
      case "mlp4": return mlp4(input, numClasses, width, blocks, extraLayers);
      case "cnn-small": return cnnSmall(input, numClasses, width, blocks, extraLayers);
      case "cnn": return cnn(input, numClasses, width, blocks, extraLayers);
      default: throw new IllegalArgumentException("backbone must be one of " + String.join(", ", BACKBONES)
          + ", got " + backbone);
    }
  }

  /** The cnn4 family at base width {@code width}, split into {@code blocks} blocks. */
  public static ClientArchitecture cnn4(ImageShape input, int numClasses, int width, int blocks, int extraLayers) {
    return split("cnn4", input, numClasses, new int[] {width, 2 * width, 4 * width, 4 * width}, new int[] {1, 2, 2, 1},
        new int[] {3, 3, 3, 3}, new int[] {CONV_BN, CONV_BN, CONV_BN, CONV_BN}, width, blocks, extraLayers);
  }

  /** The mlp4 family: four dense layers of width 8w, split into {@code blocks} blocks. */
  public static ClientArchitecture mlp4(ImageShape input, int numClasses, int width, int blocks, int extraLayers) {
    return split("mlp4", input, numClasses, new int[] {8 * width, 8 * width, 8 * width, 8 * width},
        new int[] {1, 1, 1, 1}, new int[] {1, 1, 1, 1}, new int[] {DENSE, DENSE, DENSE, DENSE}, width, blocks,
        extraLayers);
  }

  /** The cnn-small family: conv 4x4/2 (w), conv 3x3/2 (2w), two dense layers of width 16w. */
  public static ClientArchitecture cnnSmall(ImageShape input, int numClasses, int width, int blocks,
      int extraLayers) {
    if (input.height() < 8 || input.width() < 8) {
      throw new IllegalArgumentException("the cnn-small backbone needs images of at least 8x8, got " + input);
    }
    return split("cnn-small", input, numClasses, new int[] {width, 2 * width, 16 * width, 16 * width},
        new int[] {2, 2, 1, 1}, new int[] {4, 3, 1, 1}, new int[] {CONV_RELU, CONV_RELU, DENSE, DENSE}, width, blocks,
        extraLayers);
  }

  /** The cnn family: conv 5x5 (w) + max-pool 2, conv 5x5 (2w) + max-pool 2, two dense layers of width 16w. */
  public static ClientArchitecture cnn(ImageShape input, int numClasses, int width, int blocks, int extraLayers) {
    if (input.height() < 4 || input.width() < 4) {
      throw new IllegalArgumentException("the cnn backbone needs images of at least 4x4, got " + input);
    }
    return split("cnn", input, numClasses, new int[] {width, 2 * width, 16 * width, 16 * width},
        new int[] {1, 1, 1, 1}, new int[] {5, 5, 1, 1}, new int[] {CONV_POOL, CONV_POOL, DENSE, DENSE}, width, blocks,
        extraLayers);
  }

  private static ClientArchitecture split(String name, ImageShape input, int numClasses, int[] widths, int[] strides,
      int[] kernels, int[] kinds, int width, int blocks, int extraLayers) {
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
    int[][] bk = new int[blocks][];
    int[][] kind = new int[blocks][];
    for (int b = 0; b < blocks; b++) {
      int n = split[b].length + extraLayers;
      bw[b] = new int[n];
      bs[b] = new int[n];
      bk[b] = new int[n];
      kind[b] = new int[n];
      for (int i = 0; i < n; i++) {
        int layer = split[b][Math.min(i, split[b].length - 1)];
        boolean extra = i >= split[b].length;
        bw[b][i] = widths[layer];
        bs[b][i] = extra ? 1 : strides[layer];
        // Extra convolutions keep the map size: 3x3 'same' padding (CONV_BN) or 3x3 + ReLU with padding 1.
        bk[b][i] = extra && kinds[layer] != DENSE ? 3 : kernels[layer];
        // An extra layer after a conv + pool keeps the map size: a 3x3 'same' convolution + ReLU.
        kind[b][i] = extra && kinds[layer] == CONV_POOL ? CONV_RELU : kinds[layer];
      }
    }
    return new ClientArchitecture(input, numClasses, bw, bs, bk, kind, name.equals("cnn"));
  }

  /** Whether every block is dense (features [n, d]) rather than ending in feature maps. */
  public boolean dense() {
    for (int[] kinds : blockKinds) {
      for (int k : kinds) {
        if (k != DENSE) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether block {@code b} outputs a feature map [n, c, h, w] (before any global pooling) rather than [n, d]. */
  public boolean mapOutput(int b) {
    return blockKinds[b][blockKinds[b].length - 1] != DENSE;
  }

  private static int layersOf(int kind) {
    return kind == CONV_RELU ? 1 : kind == CONV_POOL ? 2 : 3;
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
      for (int i = 0; i < blockStrides[j].length; i++) {
        int s = blockStrides[j][i];
        int k = blockKernels[j][i];
        if (blockKinds[j][i] == CONV_POOL) {
          h /= 2;
          w /= 2;
        } else if (blockKinds[j][i] == CONV_RELU && s > 1) {
          // no padding ('truncate'): (h - k) / s + 1
          h = (h - k) / s + 1;
          w = (w - k) / s + 1;
        } else if (blockKinds[j][i] != DENSE) {
          h = (h + s - 1) / s;
          w = (w + s - 1) / s;
        }
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
      int len = 0;
      for (int kind : blockKinds[b]) {
        len += layersOf(kind);
      }
      length[b - first] = len;
      index += len;
    }
    int pool = last == blocks() - 1 && mapOutput(blocks() - 1) ? index++ : -1;
    int out = withHead ? index : -1;
    return new Layout(withAdaptor ? 1 : 0, first, start, length, pool, out);
  }

  /** DL4J's dropOut takes the probability of keeping a unit. */
  private static <B extends Layer.Builder<B>> B withDropout(B builder, boolean afterDense, TrainingConfig cfg) {
    return afterDense && cfg.dropout() > 0 ? builder.dropOut(1 - cfg.dropout()) : builder;
  }

  private Layer conv(ConvolutionLayer.Builder b) {
    return fastConv ? new FastConvolution(b) : b.build();
  }

  private MultiLayerNetwork build(int first, int last, int inChannels, boolean withAdaptor, boolean withHead,
      TrainingConfig cfg, long seed) {
    List<Layer> layers = new ArrayList<>();
    boolean mapIn = first == 0 || mapOutput(first - 1);
    int[] hw = spatialInput(first);
    // A 1x1 convolution in front of a dense layer runs as a dense layer on pixel rows (same arithmetic, no im2col).
    boolean pixelAdaptor = withAdaptor && mapIn && blockKinds[first][0] == DENSE;
    if (pixelAdaptor) {
      layers.add(new DenseLayer.Builder().nOut(outChannels(first - 1)).activation(Activation.IDENTITY).build());
    } else if (withAdaptor) {
      layers.add(!mapIn
          ? new DenseLayer.Builder().nOut(outChannels(first - 1)).activation(Activation.IDENTITY).build()
          : conv(new ConvolutionLayer.Builder(1, 1).nOut(outChannels(first - 1)).stride(1, 1)
              .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY)));
    }
    // Dropout acts on the output of every hidden dense layer, i.e. on the input of the layer after it.
    boolean afterDense = false;
    for (int b = first; b <= last; b++) {
      for (int i = 0; i < blockWidths[b].length; i++) {
        int s = blockStrides[b][i];
        int k = blockKernels[b][i];
        int kind = blockKinds[b][i];
        if (kind == CONV_POOL) {
          layers.add(conv(new ConvolutionLayer.Builder(k, k).nOut(blockWidths[b][i]).stride(1, 1)
              .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU)));
          layers.add(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
          continue;
        }
        if (kind == CONV_RELU) {
          ConvolutionLayer.Builder conv = new ConvolutionLayer.Builder(k, k).nOut(blockWidths[b][i]).stride(s, s)
              .activation(Activation.RELU);
          if (s > 1) {
            conv.convolutionMode(ConvolutionMode.Truncate);
          } else {
            conv.convolutionMode(ConvolutionMode.Same);
          }
          layers.add(conv(conv));
          continue;
        }
        layers.add(kind == DENSE
            ? withDropout(new DenseLayer.Builder(), afterDense, cfg).nOut(blockWidths[b][i])
                .activation(Activation.IDENTITY).build()
            : new ConvolutionLayer.Builder(3, 3).nOut(blockWidths[b][i]).stride(s, s)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
        afterDense = kind == DENSE;
        layers.add(new BatchNormalization.Builder().build());
        layers.add(new ActivationLayer.Builder().activation(Activation.RELU).build());
      }
    }
    if (last == blocks() - 1 && mapOutput(blocks() - 1)) {
      layers.add(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
    }
    if (withHead) {
      layers.add(withDropout(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT), afterDense, cfg)
          .nOut(numClasses).activation(Activation.SOFTMAX).build());
    }
    if (layers.get(0) instanceof FastConvolution firstConv) {
      // Its input is an image or frozen fused features: no gradient flows below it.
      firstConv.setInputGradient(false);
    }
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(cfg.updater())
        .weightInit(WeightInit.RELU)
        .list();
    for (Layer l : layers) {
      if (cfg.weightDecay() > 0 && l instanceof BaseLayer weighted) {
        // Per layer: DL4J 1.0.0-M2.1 lists a global weightDecay twice on every layer, applying it twice.
        weighted.setRegularization(new ArrayList<>(List.of(new WeightDecay(cfg.weightDecay(), true))));
      }
      list.layer(l);
    }
    if (pixelAdaptor) {
      list.inputPreProcessor(0, new PixelRows(hw[0], hw[1]));
      list.inputPreProcessor(1, new PixelRowsToVector(hw[0] * hw[1]));
    }
    InputType in = mapIn ? InputType.convolutional(hw[0], hw[1], inChannels) : InputType.feedForward(inChannels);
    MultiLayerConfiguration conf = list.setInputType(in).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
