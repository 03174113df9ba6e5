package org.sparkfusion.fusefl.core;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A 2-D convolution configured exactly like DL4J's {@link ConvolutionLayer} (same parameters "W" [out, in, kh,
 * kw] and "b", same output shapes, same JSON fields) but run by {@link FastConvolutionLayer}: im2col / col2im in
 * plain Java over chunks of images and the products as ND4J matrix multiplications (BLAS sgemm). DL4J
 * 1.0.0-M2.1's own CPU path fills and scatters its im2col buffer element by element, which made it the whole
 * cost of a training step here. NCHW, dilation 1, no dropout; Same and Truncate convolution modes. Public with a
 * no-argument constructor for DL4J's JSON configuration (and listed in {@link Networks}' class allow-list).
 */
public class FastConvolution extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;
  /**
   * Whether backpropagation computes the gradient with respect to the layer's input. False for the first layer of a
   * network whose input needs none (images, frozen features): DL4J drops that gradient when fitting anyway.
   */
  private boolean inputGradient = true;

  public FastConvolution() {}

  /** The configuration {@code builder} would build, run by the fast implementation. */
  public FastConvolution(ConvolutionLayer.Builder builder) {
    super(builder);
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
      INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
    FastConvolutionLayer ret = new FastConvolutionLayer(conf, networkDataType);
    ret.setListeners(listeners);
    ret.setIndex(layerIndex);
    ret.setParamsViewArray(layerParamsView);
    Map<String, INDArray> table = initializer().init(conf, layerParamsView, initializeParams);
    ret.setParamTable(table);
    ret.setConf(conf);
    return ret;
  }

  public boolean isInputGradient() {
    return inputGradient;
  }

  public void setInputGradient(boolean inputGradient) {
    this.inputGradient = inputGradient;
  }

  @Override
  public FastConvolution clone() {
    return (FastConvolution) super.clone();
  }
}
