package org.sparkfusion.dlrm.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkfusion.dlrm.checkpoint.CheckpointFormatException;
import org.sparkfusion.dlrm.checkpoint.Tensor;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;
import org.sparkfusion.dlrm.embedding.PinnedTables;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * The dense part of a DLRM (bottom MLP, interaction, top MLP with sigmoid) plus its embedding tables, with the
 * architecture inferred from a reference-layout state_dict ({@code emb_l.K.weight}, {@code bot_l.<2i>.*},
 * {@code top_l.<2i>.*}). Immutable and thread-safe; embedding pooling is done by an
 * {@link org.sparkfusion.dlrm.embedding.EmbeddingBackend} and handed to {@link #forward}.
 */
public final class DlrmNetwork {
  private static final Pattern EMB = Pattern.compile("emb_l\\.(\\d+)\\.weight");
  private static final Pattern MLP = Pattern.compile("(bot|top)_l\\.(\\d+)\\.(weight|bias)");

  private final DenseLayer[] bottom;
  private final DenseLayer[] top;
  private final ArrayEmbeddingTables tables;
  private final Interaction interaction;
  private final boolean selfInteraction;

  private DlrmNetwork(DenseLayer[] bottom, DenseLayer[] top, ArrayEmbeddingTables tables, Interaction interaction,
      boolean selfInteraction) {
    this.bottom = bottom;
    this.top = top;
    this.tables = tables;
    this.interaction = interaction;
    this.selfInteraction = selfInteraction;
  }

  /**
   * Builds the network from a state_dict read from {@code source}; shapes that do not fit together fail with
   * the tensor named.
   */
  public static DlrmNetwork fromStateDict(String source, Map<String, Tensor> stateDict, Interaction interaction,
      boolean selfInteraction) {
    TreeMap<Integer, Tensor> emb = new TreeMap<>();
    TreeMap<Integer, Tensor[]> bot = new TreeMap<>();
    TreeMap<Integer, Tensor[]> topL = new TreeMap<>();
    for (Tensor t : stateDict.values()) {
      Matcher e = EMB.matcher(t.name());
      Matcher m = MLP.matcher(t.name());
      if (e.matches()) {
        emb.put(Integer.parseInt(e.group(1)), t);
      } else if (m.matches()) {
        TreeMap<Integer, Tensor[]> into = m.group(1).equals("bot") ? bot : topL;
        into.computeIfAbsent(Integer.parseInt(m.group(2)), k -> new Tensor[2])[m.group(3).equals("weight") ? 0 : 1] = t;
      } else {
        throw new CheckpointFormatException(source + ": tensor " + t.name() + " is not part of a supported DLRM"
            + " (expected emb_l.K.weight, bot_l.N.weight/bias, top_l.N.weight/bias; QR, mixed-dimension and"
            + " weighted-pooling embeddings are not supported)");
      }
    }
    if (emb.isEmpty()) {
      throw new CheckpointFormatException(source + ": no embedding tables (emb_l.K.weight) found");
    }
    if (bot.isEmpty() || topL.isEmpty()) {
      throw new CheckpointFormatException(source + ": no " + (bot.isEmpty() ? "bottom (bot_l.*)" : "top (top_l.*)")
          + " MLP layers found");
    }
    int dim = -1;
    CacheAlignedRows[] weights = new CacheAlignedRows[emb.size()];
    long[] rows = new long[emb.size()];
    int[] sizes = new int[emb.size()];
    int expect = 0;
    for (Map.Entry<Integer, Tensor> en : emb.entrySet()) {
      Tensor t = en.getValue();
      if (en.getKey() != expect) {
        throw new CheckpointFormatException(source + ": embedding tables are not numbered 0.." + (emb.size() - 1)
            + ": emb_l." + expect + ".weight is missing");
      }
      if (t.rank() != 2 || t.dim(0) < 1 || t.dim(1) < 1) {
        throw new CheckpointFormatException(source + ": tensor " + t.name() + " has shape "
            + Arrays.toString(t.shape()) + ", expected [rows, dim]");
      }
      if (dim < 0) {
        dim = (int) t.dim(1);
      } else if (t.dim(1) != dim) {
        throw new CheckpointFormatException(source + ": tensor " + t.name() + " has dim " + t.dim(1)
            + " but emb_l.0.weight has " + dim + " (all tables must share one dim)");
      }
      rows[expect] = t.dim(0);
      sizes[expect] = t.size();
      weights[expect++] = t.storage();
    }
    weights = PinnedTables.pin(weights, sizes);
    DenseLayer[] bottomLayers = layers(source, "bot_l", bot, false);
    DenseLayer[] topLayers = layers(source, "top_l", topL, true);
    int n = emb.size();
    int bottomOut = bottomLayers[bottomLayers.length - 1].out;
    String lastBot = "bot_l." + bot.lastKey() + ".weight";
    if (interaction == Interaction.DOT && bottomOut != dim) {
      throw new CheckpointFormatException(source + ": tensor " + lastBot + " outputs " + bottomOut
          + " values but the dot interaction needs the embedding dim " + dim);
    }
    int topIn = topInput(interaction, selfInteraction, n, dim, bottomOut);
    if (topLayers[0].in != topIn) {
      throw new CheckpointFormatException(source + ": tensor top_l." + topL.firstKey() + ".weight takes "
          + topLayers[0].in + " inputs but " + describe(interaction, selfInteraction) + " of " + n + " tables of dim "
          + dim + " gives " + topIn + " (dot without self-interaction gives "
          + topInput(Interaction.DOT, false, n, dim, bottomOut) + ", dot with self-interaction "
          + topInput(Interaction.DOT, true, n, dim, bottomOut) + ", cat " + topInput(Interaction.CAT, false, n, dim, bottomOut)
          + ")");
    }
    if (topLayers[topLayers.length - 1].out != 1) {
      throw new CheckpointFormatException(source + ": tensor top_l." + topL.lastKey() + ".weight outputs "
          + topLayers[topLayers.length - 1].out + " values; a DLRM click model outputs 1");
    }
    return new DlrmNetwork(bottomLayers, topLayers, new ArrayEmbeddingTables(dim, weights, rows), interaction, selfInteraction);
  }

  private static String describe(Interaction interaction, boolean self) {
    return interaction == Interaction.CAT ? "the cat interaction"
        : self ? "the dot interaction with self-interaction" : "the dot interaction";
  }

  private static int topInput(Interaction interaction, boolean self, int tables, int dim, int bottomOut) {
    int vectors = tables + 1;
    if (interaction == Interaction.CAT) {
      return bottomOut + tables * dim;
    }
    return bottomOut + (self ? vectors * (vectors + 1) / 2 : vectors * (vectors - 1) / 2);
  }

  private static DenseLayer[] layers(String source, String prefix, TreeMap<Integer, Tensor[]> byIndex, boolean sigmoidLast) {
    List<DenseLayer> out = new ArrayList<>();
    int prevOut = -1;
    String prevName = null;
    int k = 0;
    for (Map.Entry<Integer, Tensor[]> en : byIndex.entrySet()) {
      String base = prefix + "." + en.getKey();
      Tensor w = en.getValue()[0];
      Tensor b = en.getValue()[1];
      if (w == null || b == null) {
        throw new CheckpointFormatException(source + ": tensor " + base + (w == null ? ".weight" : ".bias")
            + " is missing (every Linear needs weight and bias)");
      }
      if (w.rank() != 2) {
        throw new CheckpointFormatException(source + ": tensor " + w.name() + " has shape "
            + Arrays.toString(w.shape()) + ", expected [out, in]");
      }
      int o = (int) w.dim(0);
      int i = (int) w.dim(1);
      if (b.rank() != 1 || b.dim(0) != o) {
        throw new CheckpointFormatException(source + ": tensor " + b.name() + " has shape "
            + Arrays.toString(b.shape()) + ", expected [" + o + "] to match " + w.name());
      }
      if (prevOut >= 0 && i != prevOut) {
        throw new CheckpointFormatException(source + ": tensor " + w.name() + " takes " + i + " inputs but "
            + prevName + " outputs " + prevOut);
      }
      boolean last = ++k == byIndex.size();
      out.add(new DenseLayer(i, o, w.data(), b.data(),
          last && sigmoidLast ? DenseLayer.Activation.SIGMOID : DenseLayer.Activation.RELU));
      prevOut = o;
      prevName = w.name();
    }
    return out.toArray(new DenseLayer[0]);
  }

  /** Number of dense input features. */
  public int numDense() {
    return bottom[0].in;
  }

  /** Number of sparse features (= embedding tables). */
  public int numTables() {
    return tables.numTables();
  }

  /** Embedding dimension. */
  public int dim() {
    return tables.dim();
  }

  /** The embedding tables (read-only). */
  public EmbeddingTables tables() {
    return tables;
  }

  public Interaction interaction() {
    return interaction;
  }

  public boolean selfInteraction() {
    return selfInteraction;
  }

  /** Floating-point operations of the dense part per row (for benchmarks). */
  public long flopsPerRow() {
    long f = 0;
    for (DenseLayer l : bottom) {
      f += 2L * l.in * l.out;
    }
    for (DenseLayer l : top) {
      f += 2L * l.in * l.out;
    }
    return f;
  }

  /** e.g. {@code dense 13, bottom 13-512-256-64-16, 26 tables (dim 16), dot, top 367-512-256-1}. */
  public String describe() {
    StringBuilder sb = new StringBuilder("dense ").append(numDense()).append(", bottom ").append(sizes(bottom))
        .append(", ").append(numTables()).append(" tables (dim ").append(dim()).append(", ");
    long rows = 0;
    for (int t = 0; t < numTables(); t++) {
      rows += tables.rows(t);
    }
    sb.append(rows).append(" rows), ").append(interaction.name().toLowerCase(java.util.Locale.ROOT));
    if (selfInteraction) {
      sb.append(" with self-interaction");
    }
    return sb.append(", top ").append(sizes(top)).toString();
  }

  private static String sizes(DenseLayer[] layers) {
    StringBuilder sb = new StringBuilder().append(layers[0].in);
    for (DenseLayer l : layers) {
      sb.append('-').append(l.out);
    }
    return sb.toString();
  }

  /**
   * Scores {@code n} rows: {@code dense} is n x numDense, {@code pooled} n x numTables x dim (as written by
   * {@link org.sparkfusion.dlrm.embedding.EmbeddingBackend#pool}); writes the click probabilities to
   * {@code ctr[0..n)}.
   */
  public void forward(int n, float[] dense, float[] pooled, float[] ctr) {
    float[] x = dense;
    for (DenseLayer l : bottom) {
      float[] y = new float[n * l.out];
      l.apply(n, x, y);
      x = y;
    }
    int xd = bottom[bottom.length - 1].out;
    int t = numTables();
    int d = dim();
    int topIn = top[0].in;
    float[] r = new float[n * topIn];
    if (interaction == Interaction.DOT && xd == d && NativeInteraction.unavailableReason() == null) {
      if (NativeInteraction.dot(n, t, d, selfInteraction, x, pooled, r) != 0) {
        throw new IllegalArgumentException("interaction: " + n + " rows of " + (t + 1) + " vectors of " + d
            + " do not fit the top MLP's input of " + topIn);
      }
    } else {
      interactInJava(interaction, selfInteraction, n, x, pooled, r, xd, t, d, topIn);
    }
    float[] z = r;
    for (DenseLayer l : top) {
      float[] y = new float[n * l.out];
      l.apply(n, z, y);
      z = y;
    }
    System.arraycopy(z, 0, ctr, 0, n);
  }

  /** The interaction in Java (CAT, dot when the native kernel is not used): the reference for the native one. */
  static void interactInJava(Interaction interaction, boolean selfInteraction, int n, float[] x, float[] pooled,
      float[] r, int xd, int t, int d, int topIn) {
    for (int b = 0; b < n; b++) {
      int ro = b * topIn;
      System.arraycopy(x, b * xd, r, ro, xd);
      int po = b * t * d;
      if (interaction == Interaction.CAT) {
        System.arraycopy(pooled, po, r, ro + xd, t * d);
        continue;
      }
      int k = ro + xd;
      int off = selfInteraction ? 1 : 0;
      for (int i = 0; i <= t; i++) {
        float[] vi = i == 0 ? x : pooled;
        int oi = i == 0 ? b * xd : po + (i - 1) * d;
        for (int j = 0; j < i + off; j++) {
          float[] vj = j == 0 ? x : pooled;
          int oj = j == 0 ? b * xd : po + (j - 1) * d;
          float s = 0f;
          for (int q = 0; q < d; q++) {
            s += vi[oi + q] * vj[oj + q];
          }
          r[k++] = s;
        }
      }
    }
  }
}
