package org.sparkfusion.fusefl.core;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Feature maps [n, c, h, w] as one row per pixel, [n*h*w, c] (pixels in (n, y, x) order), so that a dense layer
 * that follows is a 1x1 convolution: the same weights [c, c'] and bias at every pixel. DL4J's own
 * ConvolutionLayer builds im2col buffers element by element, which made a 1x1 convolution over the
 * concatenated branch maps the slowest part of a training step; this is a permute and a copy.
 * Public with a no-argument constructor for DL4J's JSON configuration.
 */
public final class PixelRows extends BaseInputPreProcessor {
  private static final long serialVersionUID = 1L;
  private int height;
  private int width;

  public PixelRows() {}

  public PixelRows(int height, int width) {
    this.height = height;
    this.width = width;
  }

  public int getHeight() {
    return height;
  }

  public void setHeight(int height) {
    this.height = height;
  }

  public int getWidth() {
    return width;
  }

  public void setWidth(int width) {
    this.width = width;
  }

  @Override
  public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    if (input.rank() != 4) {
      throw new IllegalArgumentException("PixelRows expects [n, c, h, w] feature maps, got rank " + input.rank());
    }
    long n = input.size(0);
    long c = input.size(1);
    long hw = input.size(2) * input.size(3);
    INDArray nhwc = input.permute(0, 2, 3, 1).dup('c');
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, nhwc.reshape('c', n * hw, c));
  }

  @Override
  public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    // output: gradient w.r.t. the pixel rows [n*h*w, c]
    long rows = output.size(0);
    long c = output.size(1);
    long n = rows / ((long) height * width);
    INDArray nchw = output.dup('c').reshape('c', n, height, width, c).permute(0, 3, 1, 2).dup('c');
    return workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, nchw);
  }

  @Override
  public InputType getOutputType(InputType inputType) {
    if (!(inputType instanceof InputType.InputTypeConvolutional)) {
      throw new IllegalArgumentException("PixelRows expects convolutional input, got " + inputType);
    }
    return InputType.feedForward(((InputType.InputTypeConvolutional) inputType).getChannels());
  }

  @Override
  public PixelRows clone() {
    return new PixelRows(height, width);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PixelRows && ((PixelRows) o).height == height && ((PixelRows) o).width == width;
  }

  @Override
  public int hashCode() {
    return 31 * height + width;
  }
}
