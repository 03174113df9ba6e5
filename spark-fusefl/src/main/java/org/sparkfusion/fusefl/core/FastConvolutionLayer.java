package org.sparkfusion.fusefl.core;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer {@link FastConvolution} configures. Forward: for each chunk of images, im2col in Java, then
 * W[out, in*kh*kw] x cols as one sgemm, bias, activation. Backward: dW += dZ x cols^T, dCols = W^T x dZ, col2im.
 * The column and product matrices live in detached ND4J buffers reused from batch to batch (filled and read as
 * NIO buffers); the input and pre-activation of the last training forward pass are kept for the backward pass
 * of the same input. ReLU and identity activations run in Java, any other through ND4J.
 */
final class FastConvolutionLayer extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;
  /** Floats per im2col chunk (8 MB): at least one image. Larger chunks gave faster sgemm calls. Tests lower it. */
  static int chunkFloats = 1 << 21;

  private transient INDArray cachedFor;
  private transient float[] cachedX;
  private transient float[] cachedZ;
  private transient Buffers buffers;

  FastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /**
   * Reused matrices for one chunk size: cols / dCols [rows, span], products [outC, span]. {@code colJ} only ever
   * receives im2col output, so its padding positions stay zero. The dCols pair is allocated on first use: inference
   * and a first layer without input gradient never need it.
   */
  private static final class Buffers {
    final int rows;
    final int outC;
    final int span;
    final float[] colJ;
    final float[] outJ;
    final INDArray colN;
    final INDArray outN;
    private float[] dcolJ;
    private INDArray dcolN;

    Buffers(int rows, int outC, int span) {
      this.rows = rows;
      this.outC = outC;
      this.span = span;
      colJ = new float[rows * span];
      outJ = new float[outC * span];
      colN = Nd4j.createUninitializedDetached(DataType.FLOAT, rows, span);
      outN = Nd4j.createUninitializedDetached(DataType.FLOAT, outC, span);
    }

    void allocateInputGradient() {
      if (dcolN == null) {
        dcolJ = new float[rows * span];
        dcolN = Nd4j.createUninitializedDetached(DataType.FLOAT, rows, span);
      }
    }
  }

  private static FloatBuffer nio(INDArray a) {
    return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private Buffers buffers(int rows, int outC, int span) {
    Buffers b = buffers;
    if (b == null || b.rows != rows || b.outC != outC || b.span != span) {
      b = new Buffers(rows, outC, span);
      buffers = b;
    }
    return b;
  }

  private Im2Col geometry(INDArray in) {
    org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
    String name = "layer " + getIndex() + " (" + getClass().getSimpleName() + ")";
    if (in.rank() != 4) {
      throw new IllegalArgumentException(name + " expects [n, c, h, w] input, got shape "
          + java.util.Arrays.toString(in.shape()));
    }
    if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
      throw new IllegalArgumentException(name + " supports NCHW only, got " + c.getCnn2dDataFormat());
    }
    int[] dil = c.getDilation();
    if (dil != null && (dil[0] != 1 || dil[1] != 1)) {
      throw new IllegalArgumentException(name + " supports dilation 1 only");
    }
    int[] k = c.getKernelSize();
    int[] s = c.getStride();
    if (s[0] != s[1]) {
      throw new IllegalArgumentException(name + " needs equal strides, got " + s[0] + "x" + s[1]);
    }
    if (c.getIDropout() != null) {
      throw new IllegalArgumentException(name + " does not support dropout");
    }
    if (in.size(1) != c.getNIn()) {
      throw new IllegalArgumentException(name + " expects " + c.getNIn() + " input channels, got " + in.size(1));
    }
    ConvolutionMode mode = c.getConvolutionMode();
    if (mode != ConvolutionMode.Same && mode != ConvolutionMode.Truncate) {
      throw new IllegalArgumentException(name + " supports convolution modes Same and Truncate, got " + mode);
    }
    int[] pad = c.getPadding();
    int[] out = ConvolutionUtils.getOutputSize(in, k, s, pad, mode, new int[] {1, 1}, CNN2DFormat.NCHW);
    int[] inHw = {(int) in.size(2), (int) in.size(3)};
    int padTop = pad[0];
    int padLeft = pad[1];
    if (mode == ConvolutionMode.Same) {
      int[] tl = ConvolutionUtils.getSameModeTopLeftPadding(out, inHw, k, s, new int[] {1, 1});
      padTop = tl[0];
      padLeft = tl[1];
    }
    return new Im2Col((int) in.size(1), inHw[0], inHw[1], k[0], k[1], s[0], padTop, padLeft, out[0], out[1]);
  }

  /** Images per chunk: chunks of (nearly) equal size, each at most chunkFloats column floats. */
  private static int chunk(Im2Col g, int n) {
    int max = Math.max(1, chunkFloats / Math.max(1, g.rows() * g.pixels()));
    int chunks = (n + max - 1) / max;
    return (n + chunks - 1) / chunks;
  }

  private INDArray weights2d(int outC, int rows) {
    // A view of the parameters where ND4J can reshape without copying (a copy otherwise, freed by the caller).
    return params.get(ConvolutionParamInitializer.WEIGHT_KEY).castTo(DataType.FLOAT).reshape('c', outC, rows);
  }

  private float[] bias(int outC) {
    if (!layerConf().hasBias()) {
      return new float[outC];
    }
    return params.get(ConvolutionParamInitializer.BIAS_KEY).castTo(DataType.FLOAT).toFloatVector();
  }

  private static float[] read(INDArray a) {
    INDArray c = a.castTo(DataType.FLOAT).dup('c');
    float[] values = c.data().asFloat();
    Arrays2.close(c);
    return values;
  }

  /** z = W * x + b (NCHW) for all images. */
  private float[] preActivation(float[] x, int n, Im2Col g) {
    int outC = (int) layerConf().getNOut();
    int rows = g.rows();
    int p = g.pixels();
    INDArray w = weights2d(outC, rows);
    float[] b = bias(outC);
    float[] z = new float[n * outC * p];
    int step = chunk(g, n);
    int span = step * p;
    Buffers buf = buffers(rows, outC, span);
    FloatBuffer colB = nio(buf.colN);
    FloatBuffer outB = nio(buf.outN);
    for (int first = 0; first < n; first += step) {
      int nb = Math.min(step, n - first);
      g.im2col(x, first, nb, buf.colJ, span, false);
      colB.put(0, buf.colJ, 0, buf.colJ.length);
      Nd4j.gemm(w, buf.colN, buf.outN, false, false, 1.0, 0.0);
      outB.get(0, buf.outJ, 0, buf.outJ.length);
      float[] o = buf.outJ;
      for (int co = 0; co < outC; co++) {
        float bc = b[co];
        for (int j = 0; j < nb; j++) {
          int src = co * span + j * p;
          int dst = ((first + j) * outC + co) * p;
          for (int i = 0; i < p; i++) {
            z[dst + i] = o[src + i] + bc;
          }
        }
      }
    }
    Arrays2.close(w);
    return z;
  }

  private INDArray toWorkspace(LayerWorkspaceMgr mgr, ArrayType type, float[] data, long[] shape) {
    INDArray ret = mgr.createUninitialized(type, DataType.FLOAT, shape, 'c');
    if (ret.offset() == 0 && ret.data().length() == data.length && ret.ordering() == 'c' && ret.isView() == false) {
      nio(ret).put(0, data, 0, data.length);
    } else {
      INDArray tmp = Nd4j.create(data, shape, 'c');
      ret.assign(tmp);
      Arrays2.close(tmp);
    }
    return dataType == DataType.FLOAT ? ret : ret.castTo(dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    float[] a;
    long[] shape;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      Im2Col g = geometry(input);
      int n = (int) input.size(0);
      float[] x = read(input);
      float[] z = preActivation(x, n, g);
      shape = new long[] {n, layerConf().getNOut(), g.outH, g.outW};
      cachedFor = training ? input : null;
      cachedX = training ? x : null;
      cachedZ = training ? z : null;
      IActivation act = layerConf().getActivationFn();
      if (act instanceof ActivationIdentity) {
        a = training ? z.clone() : z;
      } else if (act instanceof ActivationReLU && isPlainRelu((ActivationReLU) act)) {
        a = new float[z.length];
        for (int i = 0; i < z.length; i++) {
          a[i] = z[i] > 0f ? z[i] : 0f;
        }
      } else {
        a = act.getActivation(Nd4j.create(z.clone(), shape, 'c'), training).dup('c').data().asFloat();
      }
    }
    return toWorkspace(workspaceMgr, ArrayType.ACTIVATIONS, a, shape);
  }

  private static boolean isPlainRelu(ActivationReLU r) {
    return r.equals(new ActivationReLU());
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    float[] dx;
    INDArray dwArr;
    float[] db;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      Im2Col g = geometry(input);
      int n = (int) input.size(0);
      float[] x;
      float[] z;
      if (cachedFor == input && cachedX != null) {
        x = cachedX;
        z = cachedZ;
      } else {
        x = read(input);
        z = preActivation(x, n, g);
      }
      cachedFor = null;
      cachedX = null;
      cachedZ = null;
      int outC = (int) layerConf().getNOut();
      long[] outShape = {n, outC, g.outH, g.outW};
      float[] d = read(epsilon);
      IActivation act = layerConf().getActivationFn();
      if (act instanceof ActivationIdentity) {
        // d is already dL/dz
      } else if (act instanceof ActivationReLU && isPlainRelu((ActivationReLU) act)) {
        for (int i = 0; i < d.length; i++) {
          if (!(z[i] > 0f)) {
            d[i] = 0f;
          }
        }
      } else {
        d = act.backprop(Nd4j.create(z, outShape, 'c'), Nd4j.create(d, outShape, 'c')).getFirst().dup('c').data()
            .asFloat();
      }
      int rows = g.rows();
      int p = g.pixels();
      INDArray w = weights2d(outC, rows);
      dwArr = Nd4j.zeros(DataType.FLOAT, outC, rows);
      db = new float[outC];
      boolean inputGradient = ((FastConvolution) layerConf()).isInputGradient();
      dx = inputGradient ? new float[x.length] : null;
      int step = chunk(g, n);
      int span = step * p;
      Buffers buf = buffers(rows, outC, span);
      FloatBuffer colB = nio(buf.colN);
      FloatBuffer outB = nio(buf.outN);
      FloatBuffer dcolB = null;
      if (inputGradient) {
        buf.allocateInputGradient();
        dcolB = nio(buf.dcolN);
      }
      for (int first = 0; first < n; first += step) {
        int nb = Math.min(step, n - first);
        float[] dz = buf.outJ;
        if (nb < step) {
          java.util.Arrays.fill(dz, 0f);
        }
        for (int co = 0; co < outC; co++) {
          double sum = 0;
          for (int j = 0; j < nb; j++) {
            int src = ((first + j) * outC + co) * p;
            int dst = co * span + j * p;
            System.arraycopy(d, src, dz, dst, p);
            for (int i = 0; i < p; i++) {
              sum += d[src + i];
            }
          }
          db[co] += (float) sum;
        }
        g.im2col(x, first, nb, buf.colJ, span, false);
        colB.put(0, buf.colJ, 0, buf.colJ.length);
        outB.put(0, dz, 0, dz.length);
        Nd4j.gemm(buf.outN, buf.colN, dwArr, false, true, 1.0, 1.0);
        if (inputGradient) {
          Nd4j.gemm(w, buf.outN, buf.dcolN, true, false, 1.0, 0.0);
          dcolB.get(0, buf.dcolJ, 0, buf.dcolJ.length);
          g.col2im(buf.dcolJ, first, nb, dx, span);
        }
      }
      Arrays2.close(w);
    }
    Gradient ret = new DefaultGradient();
    if (layerConf().hasBias()) {
      INDArray biasView = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
      INDArray dbArr = Nd4j.createFromArray(db);
      biasView.assign(dbArr.reshape(biasView.shape()));
      Arrays2.close(dbArr);
      ret.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasView);
    }
    INDArray weightView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
    weightView.assign(dwArr.reshape('c', weightView.shape()));
    Arrays2.close(dwArr);
    ret.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightView, 'c');
    weightNoiseParams.clear();
    return new Pair<>(ret, dx == null ? null : toWorkspace(workspaceMgr, ArrayType.ACTIVATION_GRAD, dx, input.shape()));
  }
}
