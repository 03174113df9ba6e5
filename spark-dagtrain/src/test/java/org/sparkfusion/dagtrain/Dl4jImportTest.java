package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkfusion.dagtrain.imports.Dl4jImport;

class Dl4jImportTest {
  /** The synthetic task with its 36 features seen as a 1x6x6 image, under the importer's input names. */
  private static MicroBatchSource images(Synthetic s, int... shape) {
    return (step, micro) -> {
      Map<String, Tensor> m = s.microBatch(step, micro);
      Tensor x = m.get("x");
      int[] full = new int[shape.length + 1];
      full[0] = x.shape[0];
      System.arraycopy(shape, 0, full, 1, shape.length);
      return Map.of("input", new Tensor(full, x.data), "label", m.get("y"));
    };
  }

  private static double average(List<Double> l, int from, int to) {
    return l.subList(from, to).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  @Test void importedDl4jConvNetTrainsInATwoStagePipeline() throws Exception {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).padding(1, 1).activation(Activation.RELU).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).dropOut(0.9).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(6, 6, 1)).build();
    Graph g = Dl4jImport.fromMultiLayer(conf, 1, 6, 6);
    assertThat(g.nodes().stream().map(n -> n.op().type()).toList()).contains("conv2d", "batchnorm", "relu", "maxpool2d",
        "flatten", "dropout", "linear", "softmax_cross_entropy");
    assertThat(g.node("layer2").output().shape()).containsExactly(4, 3, 3);
    TrainResult r = InProcessPipeline.train(g, new int[] {0, 6, g.size()}, Synthetic.options(40),
        images(new Synthetic(36, 4, 8, 5), 1, 6, 6), List.of(LinkCompression.none()), null);
    assertThat(average(r.losses(), 35, 40)).isLessThan(0.9 * average(r.losses(), 0, 5));
  }

  @Test void importedComputationGraphWithResidualAddTrains() throws Exception {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
        .addInputs("in")
        .addLayer("fc1", new DenseLayer.Builder().nIn(10).nOut(16).activation(Activation.RELU).build(), "in")
        .addLayer("fc2", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.IDENTITY).build(), "fc1")
        .addVertex("res", new ElementWiseVertex(ElementWiseVertex.Op.Add), "fc1", "fc2")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nIn(16).nOut(4)
            .activation(Activation.SOFTMAX).build(), "res")
        .setOutputs("out").build();
    Graph g = Dl4jImport.fromComputationGraph(conf, 10);
    assertThat(g.node("res").op().type()).isEqualTo("add");
    Synthetic s = new Synthetic(10, 4, 8, 5);
    TrainResult r = InProcessPipeline.train(g, new int[] {0, g.size()}, Synthetic.options(40), images(s, 10), List.of(),
        null);
    assertThat(average(r.losses(), 35, 40)).isLessThan(0.8 * average(r.losses(), 0, 5));
  }

  @Test void unknownLayerTypeIsAnErrorNamingLayerAndType() {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
        .layer(new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.RELU).build())
        .layer(new LSTM.Builder().name("memory").nIn(8).nOut(8).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(4).activation(Activation.SOFTMAX).build())
        .build();
    assertThatThrownBy(() -> Dl4jImport.fromMultiLayer(conf, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layer 'memory'").hasMessageContaining("LSTM");
  }

  @Test void unsupportedLossAndActivationAreNamed() {
    MultiLayerConfiguration mse = new NeuralNetConfiguration.Builder().list()
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(10).nOut(4).activation(Activation.IDENTITY).build())
        .build();
    assertThatThrownBy(() -> Dl4jImport.fromMultiLayer(mse, 10)).hasMessageContaining("layer 'layer0'")
        .hasMessageContaining("LossMSE");
    MultiLayerConfiguration tanh = new NeuralNetConfiguration.Builder().list()
        .layer(new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.TANH).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(4).activation(Activation.SOFTMAX).build())
        .build();
    assertThatThrownBy(() -> Dl4jImport.fromMultiLayer(tanh, 10)).hasMessageContaining("layer 'layer0'")
        .hasMessageContaining("tanh");
  }

  @Test void dl4jGeluKeepsItsSigmoidFormAndThePreciseFormIsRefused() {
    MultiLayerConfiguration gelu = new NeuralNetConfiguration.Builder().list()
        .layer(new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.GELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(4).activation(Activation.SOFTMAX).build())
        .build();
    assertThat(Dl4jImport.fromMultiLayer(gelu, 10).toJson()).contains("\"gelu_sigmoid\"").doesNotContain("\"gelu\"");
    MultiLayerConfiguration precise = new NeuralNetConfiguration.Builder().list()
        .layer(new DenseLayer.Builder().nIn(10).nOut(8)
            .activation(new org.nd4j.linalg.activations.impl.ActivationGELU(true)).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(4).activation(Activation.SOFTMAX).build())
        .build();
    assertThatThrownBy(() -> Dl4jImport.fromMultiLayer(precise, 10)).hasMessageContaining("layer 'layer0'")
        .hasMessageContaining("precise form");
  }
}
