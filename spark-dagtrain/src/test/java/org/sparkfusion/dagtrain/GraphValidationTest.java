package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphValidationTest {

  static Graph mlp() {
    GraphBuilder b = new GraphBuilder();
    String x = b.input("x", DType.FLOAT, 6);
    String y = b.input("y", DType.INT);
    String h = b.relu("h", b.linear("fc1", x, 8));
    b.softmaxCrossEntropy("loss", b.linear("fc2", h, 3), y);
    return b.build();
  }

  @Test void builderOrdersNodesTopologicallyAndCountsParameters() {
    Graph g = mlp();
    assertThat(g.nodeNames()).containsExactly("x", "y", "fc1", "h", "fc2", "loss");
    assertThat(g.parameterCount()).isEqualTo(6 * 8 + 8 + 8 * 3 + 3);
  }

  @Test void danglingInputIsNamed() {
    List<Graph.Decl> d = List.of(new Graph.Decl("x", new InputOp(new TensorType(DType.FLOAT, new int[] {2})), List.of()),
        new Graph.Decl("fc", new LinearOp(2, 2), List.of("missing")));
    assertThatThrownBy(() -> Graph.of(d)).isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("'fc'").hasMessageContaining("'missing'").hasMessageContaining("dangling");
  }

  @Test void cycleIsNamed() {
    List<Graph.Decl> d = List.of(new Graph.Decl("x", new InputOp(new TensorType(DType.FLOAT, new int[] {2})), List.of()),
        new Graph.Decl("a", new AddOp(), List.of("x", "b")),
        new Graph.Decl("b", new ActivationOp(ActivationOp.Kind.RELU), List.of("a")));
    assertThatThrownBy(() -> Graph.of(d)).isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("cycle").hasMessageContaining("a").hasMessageContaining("b");
  }

  @Test void shapeMismatchNamesTheNodeAndShapes() {
    GraphBuilder b = new GraphBuilder();
    String x = b.input("x", DType.FLOAT, 6);
    String y = b.input("y", DType.INT);
    String h1 = b.linear("fc1", x, 8);
    String h2 = b.linear("fc2", x, 5);
    b.softmaxCrossEntropy("loss", b.add("sum", h1, h2), y);
    assertThatThrownBy(b::build).isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("'sum' (add)").hasMessageContaining("float[8]").hasMessageContaining("float[5]");
  }

  @Test void labelShapeMismatchIsAnError() {
    GraphBuilder b = new GraphBuilder();
    String x = b.input("x", DType.FLOAT, 6);
    String y = b.input("y", DType.INT, 2);
    b.softmaxCrossEntropy("loss", b.linear("fc", x, 3), y);
    assertThatThrownBy(b::build).hasMessageContaining("'loss'").hasMessageContaining("labels");
  }

  @Test void nodesNotReachingTheLossAreRejected() {
    GraphBuilder b = new GraphBuilder();
    String x = b.input("x", DType.FLOAT, 6);
    String y = b.input("y", DType.INT);
    b.linear("unused", x, 2);
    b.softmaxCrossEntropy("loss", b.linear("fc", x, 3), y);
    assertThatThrownBy(b::build).hasMessageContaining("unused").hasMessageContaining("do not contribute");
  }

  @Test void missingLossIsRejected() {
    GraphBuilder b = new GraphBuilder();
    b.linear("fc", b.input("x", DType.FLOAT, 6), 3);
    assertThatThrownBy(b::build).hasMessageContaining("exactly one loss");
  }

  @Test void duplicateNamesAreRejected() {
    GraphBuilder b = new GraphBuilder();
    String x = b.input("x", DType.FLOAT, 6);
    b.relu("x", x);
    assertThatThrownBy(b::build).hasMessageContaining("duplicate node name 'x'");
  }

  @Test void jsonRoundTripKeepsNodesAndShapes() {
    Graph g = Models.gptTiny(8, 8, 2, 1, 0.1);
    Graph back = Graph.fromJson(g.toJson());
    assertThat(back.nodeNames()).isEqualTo(g.nodeNames());
    assertThat(back.toJson()).isEqualTo(g.toJson());
    assertThat(back.parameterCount()).isEqualTo(g.parameterCount());
  }

  @Test void jsonWithUnknownOpNamesNodeAndAllowList() {
    String json = mlp().toJson().replace("\"op\" : \"relu\"", "\"op\" : \"exec_shell\"");
    assertThatThrownBy(() -> Graph.fromJson(json)).isInstanceOf(GraphValidationException.class)
        .hasMessageContaining("node 'h'").hasMessageContaining("unknown op type 'exec_shell'").hasMessageContaining("linear");
  }

  @Test void jsonWithWrongAttributeNamesNodeAndShape() {
    String json = mlp().toJson().replace("\"in_features\" : 8", "\"in_features\" : 9");
    assertThatThrownBy(() -> Graph.fromJson(json)).hasMessageContaining("'fc2' (linear)").hasMessageContaining("9");
  }

  @Test void jsonWithMissingAttributeNamesIt() {
    assertThatThrownBy(() -> new GraphBuilder().op("c", "conv2d", Map.of("in_channels", 1), "x"))
        .hasMessageContaining("node 'c' (conv2d)").hasMessageContaining("'out_channels'");
  }

  @Test void resnetSmallAndGptTinyValidate() {
    assertThat(Models.resnetSmall().size()).isGreaterThan(20);
    assertThat(Models.gptTiny().parameterCount()).isGreaterThan(20_000);
  }

  @Test void gptSmallHasOverTenMillionParameters() {
    // per layer 12 d^2 + 13 d (attention 4 d^2 + 4 d, MLP 8 d^2 + 5 d, two norms 4 d), embeddings, head and final norm
    long d = 384, v = Models.CHAR_VOCAB, seq = 64;
    long expected = 6 * (12 * d * d + 13 * d) + v * d + seq * d + 2 * d + d * v + v;
    assertThat(Models.gptSmall().parameterCount()).isEqualTo(expected).isGreaterThan(10_000_000);
  }
}
