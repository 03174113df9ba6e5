package org.sparkfusion.fusefl.core;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inverse companion of {@link PixelRows} for a dense layer that follows: pixel rows [n*p, c] (p pixels per
 * example) as one vector per example, [n, c*p] in (channel, y, x) order, the order DL4J flattens feature maps
 * in, so a dense layer sees the same layout with or without the adaptor in front. Public with a no-argument constructor
 * and a property for DL4J's JSON configuration.
 */
public final class PixelRowsToVector extends BaseInputPreProcessor {
  private static final long serialVersionUID = 1L;
  private int pixels;

  public PixelRowsToVector() {}

  public PixelRowsToVector(int pixels) {
    this.pixels = pixels;
  }

  public int getPixels() {
    return pixels;
  }

  public void setPixels(int pixels) {
    this.pixels = pixels;
  }

  @Override
  public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    long rows = input.size(0);
    long c = input.size(1);
    if (rows % pixels != 0) {
      throw new IllegalArgumentException("PixelRowsToVector: " + rows + " rows is not a multiple of " + pixels);
    }
    long n = rows / pixels;
    INDArray out = input.dup('c').reshape('c', n, pixels, c).permute(0, 2, 1).dup('c').reshape('c', n, c * pixels);
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
  }

  @Override
  public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    long n = output.size(0);
    long c = output.size(1) / pixels;
    INDArray in = output.dup('c').reshape('c', n, c, pixels).permute(0, 2, 1).dup('c').reshape('c', n * pixels, c);
    return workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, in);
  }

  @Override
  public InputType getOutputType(InputType inputType) {
    if (inputType.getType() != InputType.Type.FF) {
      throw new IllegalArgumentException("PixelRowsToVector expects feed-forward input, got " + inputType);
    }
    return InputType.feedForward(((InputType.InputTypeFeedForward) inputType).getSize() * pixels);
  }

  @Override
  public PixelRowsToVector clone() {
    return new PixelRowsToVector(pixels);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PixelRowsToVector && ((PixelRowsToVector) o).pixels == pixels;
  }

  @Override
  public int hashCode() {
    return pixels;
  }
}
