package org.sparkfusion.dagtrain;

/** The built-in models of the {@code dagtrain} job, written with {@link GraphBuilder}. */
public final class Models {
  /** Characters of the gpt-tiny vocabulary: newline plus printable ASCII. */
  public static final int CHAR_VOCAB = 96;

  private Models() {}

  /**
   * A character-level GPT: token and position embeddings, {@code layers} pre-norm blocks of causal
   * self-attention and a GELU MLP with residual adds, a final layer norm and a linear head. Inputs
   * {@code tokens} and {@code targets} are int[seq].
   */
  public static Graph gptTiny(int seq, int dim, int heads, int layers, double dropout) {
    GraphBuilder b = new GraphBuilder();
    String tokens = b.input("tokens", DType.INT, seq);
    String targets = b.input("targets", DType.INT, seq);
    String x = b.positionEmbedding("pos_emb", b.embedding("tok_emb", tokens, CHAR_VOCAB, dim));
    for (int l = 0; l < layers; l++) {
      String p = "h" + l + ".";
      String a = b.causalSelfAttention(p + "attn", b.layerNorm(p + "ln1", x), heads);
      if (dropout > 0) {
        a = b.dropout(p + "attn_drop", a, dropout);
      }
      x = b.add(p + "res1", x, a);
      String m = b.linear(p + "fc2", b.gelu(p + "gelu", b.linear(p + "fc1", b.layerNorm(p + "ln2", x), 4 * dim)), dim);
      x = b.add(p + "res2", x, m);
    }
    String logits = b.linear("head", b.layerNorm("ln_f", x), CHAR_VOCAB);
    b.softmaxCrossEntropy("loss", logits, targets);
    return b.build();
  }

  /** gpt-tiny as the job trains it: sequence 32, width 32, 2 heads, 2 layers, no dropout. */
  public static Graph gptTiny() {
    return gptTiny(32, 32, 2, 2, 0.0);
  }

  /**
   * gpt-small, the model worth pipelining: the gpt-tiny architecture at GPT-2-small's width and head size (width
   * 384, 6 heads of 64) with 6 layers and sequences of 64 characters, 10.7 million parameters. Its stages do real
   * compute: about 64 MFLOP per token for a forward and backward pass.
   */
  public static Graph gptSmall() {
    return gptTiny(64, 384, 6, 6, 0.0);
  }

  /**
   * A small residual CNN for 28x28 grey images and 10 classes: conv-bn-relu stem, a residual block, max
   * pooling, a strided conv, a second residual block, global average pooling and a linear classifier.
   */
  public static Graph resnetSmall(int width) {
    GraphBuilder b = new GraphBuilder();
    String image = b.input("image", DType.FLOAT, 1, 28, 28);
    String label = b.input("label", DType.INT);
    String x = b.relu("stem_relu", b.batchNorm("stem_bn", b.conv2d("stem_conv", image, width, 3, 1, 1)));
    x = residualBlock(b, "b1.", x);
    x = b.maxPool("pool", x, 2, 2);
    x = b.relu("down_relu", b.batchNorm("down_bn", b.conv2d("down_conv", x, 2 * width, 3, 2, 1)));
    x = residualBlock(b, "b2.", x);
    String logits = b.linear("fc", b.globalAvgPool("gap", x), 10);
    b.softmaxCrossEntropy("loss", logits, label);
    return b.build();
  }

  /** resnet-small as the job trains it (width 8). */
  public static Graph resnetSmall() {
    return resnetSmall(8);
  }

  private static String residualBlock(GraphBuilder b, String p, String x) {
    String h = b.relu(p + "relu1", b.batchNorm(p + "bn1", b.conv2d(p + "conv1", x, channels(b, x), 3, 1, 1)));
    h = b.batchNorm(p + "bn2", b.conv2d(p + "conv2", h, channels(b, x), 3, 1, 1));
    return b.relu(p + "relu2", b.add(p + "add", x, h));
  }

  private static int channels(GraphBuilder b, String x) {
    return b.channelsOf(x);
  }
}
