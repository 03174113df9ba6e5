package org.sparkfusion.fusefl.core;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Training and inference speed of a LeNet-like network (conv 5x5 c1 'same' -> max-pool 2 -> conv 5x5 c2 'same' ->
 * max-pool 2 -> dense d -> softmax 10, 28x28x1 input) with DL4J's ConvolutionLayer and with {@link FastConvolution},
 * side by side in one JVM, alternating rounds. Run by {@code dev/bench-fusefl.sh} with BENCH_CONV=1; arguments:
 * c1 c2 d batch images rounds.
 */
final class ConvBench {
  private ConvBench() {}

  static MultiLayerNetwork lenet(boolean fast, int c1, int c2, int dense) {
    NeuralNetConfiguration.ListBuilder l = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
        .updater(new Nesterovs(0.01, 0.9)).weightInit(WeightInit.RELU).list();
    l.layer(conv(fast, c1));
    l.layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
    l.layer(conv(fast, c2));
    l.layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
    l.layer(new DenseLayer.Builder().nOut(dense).activation(Activation.RELU).build());
    l.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build());
    MultiLayerNetwork net = new MultiLayerNetwork(l.setInputType(InputType.convolutional(28, 28, 1)).build());
    net.init();
    return net;
  }

  private static Layer conv(boolean fast, int out) {
    ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(5, 5).nOut(out).convolutionMode(ConvolutionMode.Same)
        .activation(Activation.RELU);
    return fast ? new FastConvolution(b) : b.build();
  }

  public static void main(String[] a) {
    int c1 = Integer.parseInt(a[0]);
    int c2 = Integer.parseInt(a[1]);
    int d = Integer.parseInt(a[2]);
    int bs = Integer.parseInt(a[3]);
    int images = Integer.parseInt(a[4]);
    int rounds = Integer.parseInt(a[5]);
    MultiLayerNetwork[] nets = {lenet(false, c1, c2, d), lenet(true, c1, c2, d)};
    String[] names = {"DL4J ConvolutionLayer", "FastConvolution"};
    INDArray x = Nd4j.rand(DataType.FLOAT, bs, 1, 28, 28);
    INDArray y = Nd4j.zeros(DataType.FLOAT, bs, 10);
    for (int i = 0; i < bs; i++) {
      y.putScalar(i, i % 10, 1);
    }
    for (MultiLayerNetwork net : nets) {
      for (int i = 0; i < 3; i++) {
        net.fit(x, y);
      }
    }
    double[] train = new double[2];
    double[] infer = new double[2];
    for (int r = 0; r < rounds; r++) {
      for (int m = 0; m < 2; m++) {
        long t = System.nanoTime();
        for (int i = 0; i < images / bs; i++) {
          nets[m].fit(x, y);
        }
        train[m] += (System.nanoTime() - t) / 1e9;
        t = System.nanoTime();
        for (int i = 0; i < images / bs; i++) {
          nets[m].output(x, false);
        }
        infer[m] += (System.nanoTime() - t) / 1e9;
      }
    }
    int done = rounds * (images / bs) * bs;
    System.out.printf("LeNet-like conv5x5 %d -> maxpool2 -> conv5x5 %d -> maxpool2 -> dense %d -> 10, batch %d, %d images"
        + " x %d rounds, OMP_NUM_THREADS=%s%n", c1, c2, d, bs, images / bs * bs, rounds, System.getenv("OMP_NUM_THREADS"));
    for (int m = 0; m < 2; m++) {
      System.out.printf("%-22s train %7.0f images/s   inference %7.0f images/s%n", names[m], done / train[m],
          done / infer[m]);
    }
    System.out.printf("ratio (ours / DL4J): train %.1fx, inference %.1fx%n", train[0] / train[1], infer[0] / infer[1]);
  }
}
