package org.sparkfusion.fusefl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.sparkfusion.fusefl.core.Adaptor;
import org.sparkfusion.fusefl.core.ClassStatistics;
import org.sparkfusion.fusefl.core.ClientArchitecture;
import org.sparkfusion.fusefl.core.ClientTrainer;
import org.sparkfusion.fusefl.core.FusedNetwork;
import org.sparkfusion.fusefl.core.ImageShape;
import org.sparkfusion.fusefl.core.LocalData;
import org.sparkfusion.fusefl.core.OffHeapGuard;
import org.sparkfusion.fusefl.core.StageOutcome;
import org.sparkfusion.fusefl.core.TrainingConfig;

/**
 * One Spark task = the clients laid out in its partition (normally exactly one). Rows are (client index,
 * features array&lt;float&gt;, label); they never leave the task. Depending on {@link Kind} it trains one
 * FuseFL stage, trains a whole baseline model, or computes CCVR class statistics.
 */
final class ClientStageTask implements FlatMapFunction<Iterator<InternalRow>, byte[]> {
  private static final long serialVersionUID = 1L;

  enum Kind { STAGE, BASELINE, STATISTICS }

  private final Kind kind;
  private final ClientArchitecture[] archs;
  private final int stage;
  private final Adaptor adaptor;
  private final int inChannels;
  private final TrainingConfig cfg;
  private final Broadcast<byte[]> fused; // packed model files of the fused blocks so far (may be empty)
  private final Broadcast<byte[]> states; // packed client states ("<index>" -> bytes)
  private final long initSeed;
  private final boolean sharedInit;
  private final int failFirstAttemptOfStage;
  private final int batchSize;
  private final boolean concatHeadInput;
  private final boolean adaptorFromOwnBranch;

  ClientStageTask(Kind kind, ClientArchitecture[] archs, int stage, Adaptor adaptor, int inChannels, TrainingConfig cfg,
      Broadcast<byte[]> fused, Broadcast<byte[]> states, long initSeed, boolean sharedInit, int failFirstAttemptOfStage,
      int batchSize, boolean concatHeadInput, boolean adaptorFromOwnBranch) {
    this.kind = kind;
    this.archs = archs;
    this.stage = stage;
    this.adaptor = adaptor;
    this.inChannels = inChannels;
    this.cfg = cfg;
    this.fused = fused;
    this.states = states;
    this.initSeed = initSeed;
    this.sharedInit = sharedInit;
    this.failFirstAttemptOfStage = failFirstAttemptOfStage;
    this.batchSize = batchSize;
    this.concatHeadInput = concatHeadInput;
    this.adaptorFromOwnBranch = adaptorFromOwnBranch;
  }

  @Override
  public Iterator<byte[]> call(Iterator<InternalRow> rows) {
    try {
      return run(rows);
    } catch (OutOfMemoryError e) {
      // JavaCPP refuses an allocation above org.bytedeco.javacpp.maxbytes / maxphysicalbytes with an
      // OutOfMemoryError, which Spark treats as fatal and answers by killing the executor JVM with no word on
      // why. As an ordinary exception naming the limit to raise, it fails the job with that message instead.
      String why = OffHeapGuard.explain(e);
      if (why == null) {
        throw e;
      }
      throw new OffHeapGuard.OffHeapLimitException(why);
    }
  }

  private Iterator<byte[]> run(Iterator<InternalRow> rows) {
    // Streamed into one float buffer per client: no list of rows, no boxed Float per pixel (a 60,000-image
    // Fashion-MNIST job used to hold ~25 bytes of heap per pixel while copying a client's rows).
    Map<Integer, ClientRows> byClient = new TreeMap<>();
    while (rows.hasNext()) {
      InternalRow r = rows.next();
      int client = r.getInt(0);
      byClient.computeIfAbsent(client, k -> new ClientRows(archs[k].input())).add(r, client);
    }
    List<byte[]> out = new ArrayList<>();
    if (byClient.isEmpty()) {
      return out.iterator();
    }
    FusedNetwork below = fused == null ? null : FuseFLModel.fusedFromPacked(fused.value(), stage, archs.length, adaptor,
        archs[0].numClasses(), archs[0].blocks(), concatHeadInput);
    Map<String, byte[]> stateMap = states == null ? Map.of() : Blobs.unpack(states.value());
    for (Map.Entry<Integer, ClientRows> e : byClient.entrySet()) {
      int client = e.getKey();
      TaskContext tc = TaskContext.get();
      if (kind == Kind.STAGE && failFirstAttemptOfStage == stage + 1 && client == 0 && tc != null
          && tc.attemptNumber() == 0) {
        throw new IllegalStateException("test hook: failing the first attempt of client 0 in stage " + (stage + 1));
      }
      ClientArchitecture arch = archs[client];
      LocalData data = e.getValue().toLocalData();
      e.setValue(null); // the LocalData holds the only copy from here on
      switch (kind) {
        case STATISTICS: {
          ClassStatistics s = ClientTrainer.classStatistics(below, data, arch.numClasses(), batchSize);
          out.add(Blobs.pack(Map.of("client", Integer.toString(client).getBytes(java.nio.charset.StandardCharsets.UTF_8),
              "stats", s.toBytes())));
          break;
        }
        default: {
          long seed = sharedInit ? initSeed : initSeed * 1_000_003L + client * 101L + stage;
          StageOutcome o = kind == Kind.BASELINE
              ? ClientTrainer.trainBaseline(arch, inChannels, data, cfg, client, seed)
              : ClientTrainer.trainStage(arch, stage, below, inChannels, adaptor,
                  stateMap.get(Integer.toString(client)), data, cfg, client, seed, ownBranchOffset(client));
          out.add(o.toBytes());
        }
      }
    }
    return out.iterator();
  }

  /**
   * Where this client's own branch starts in the concatenated input of its stage adaptor (the branches are
   * concatenated in client order), or -1 when the adaptor starts from its random initialisation.
   */
  int ownBranchOffset(int client) {
    if (!adaptorFromOwnBranch || stage == 0 || adaptor != Adaptor.CONV1X1) {
      return -1;
    }
    int offset = 0;
    for (int i = 0; i < client; i++) {
      offset += archs[i].outChannels(stage - 1);
    }
    return offset;
  }

  /** One client's rows as they arrive: features appended to a growing float array. */
  static final class ClientRows {
    private final ImageShape shape;
    private float[] features = new float[0];
    private int[] labels = new int[0];
    private int n;

    ClientRows(ImageShape shape) {
      this.shape = shape;
    }

    void add(InternalRow r, int client) {
      int d = shape.size();
      ArrayData f = r.getArray(1);
      if (f.numElements() != d) {
        throw new IllegalArgumentException("features of row " + n + " of client " + client + " hold "
            + f.numElements() + " values, expected " + d);
      }
      if (n == labels.length) {
        int cap = Math.max(256, Math.toIntExact(Math.min(Integer.MAX_VALUE / Math.max(1, d), n * 2L)));
        if (cap <= n) {
          throw new IllegalArgumentException("client " + client + " has more than " + n + " rows of " + d
              + " values, more than one task can hold");
        }
        labels = java.util.Arrays.copyOf(labels, cap);
        features = java.util.Arrays.copyOf(features, Math.multiplyExact(cap, d));
      }
      for (int j = 0; j < d; j++) {
        features[n * d + j] = f.getFloat(j);
      }
      labels[n] = r.getInt(2);
      n++;
    }

    LocalData toLocalData() {
      int d = shape.size();
      return new LocalData(shape, n * d == features.length ? features : java.util.Arrays.copyOf(features, n * d),
          n == labels.length ? labels : java.util.Arrays.copyOf(labels, n));
    }
  }
}
