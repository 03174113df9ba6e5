package org.sparkfusion.fusefl.core;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;
import org.sparkfusion.fusefl.DirichletPartitioner;
import org.sparkfusion.fusefl.FuseFL;
import org.sparkfusion.fusefl.FuseFLModel;

/**
 * Multi-stage fits on real Fashion-MNIST rows under tight JavaCPP limits. Runs in its own surefire execution
 * (spark-fusefl/pom.xml, id off-heap-bound) with a 1 GB heap, org.bytedeco.javacpp.maxbytes=384m and
 * maxphysicalbytes=2500m: a leak of ND4J buffers either makes {@link OffHeapGuard} fail the fit (resident memory
 * above the limit after collection) or shows as off-heap memory growing from one fit to the next.
 */
@ExtendWith(LocalSpark.class)
class OffHeapBoundTest {
  static final String FMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  static final long MAX_BYTES = 384L << 20;
  static final long MAX_PHYSICAL = 2500L << 20;

  @Test
  void fourStageFitsStayWithinTheOffHeapLimitsAndDoNotGrow(SparkSession spark) throws Exception {
    assumeTrue(Files.exists(Path.of(FMNIST)), "Fashion-MNIST not installed at " + FMNIST);
    // The limits come from the off-heap-bound execution's argLine (which also sets this marker); -Dtest=... runs the
    // class in the default execution too, without them, where it would prove nothing.
    assumeTrue(Boolean.getBoolean("fusefl.offHeapBoundFork"), "runs in the off-heap-bound surefire execution");
    assertThat(Pointer.maxBytes()).as("org.bytedeco.javacpp.maxbytes of this fork").isEqualTo(MAX_BYTES);
    assertThat(Pointer.maxPhysicalBytes()).as("org.bytedeco.javacpp.maxphysicalbytes of this fork")
        .isEqualTo(MAX_PHYSICAL);
    Dataset<Row> rows = spark.read().format("idx").load(FMNIST).limit(4000).cache();
    Dataset<Row> train = DirichletPartitioner.partition(rows.limit(3000), "label", "client", 3, 0.5, 1L).cache();
    Dataset<Row> test = rows.except(rows.limit(3000)).limit(600).cache();
    FuseFL est = new FuseFL().setBackbone("cnn").setWidth(8).setBlocks(4).setEpochsPerStage(1).setBatchSize(64)
        .setLearningRate(0.02).setCalibrationSamples(500).setCalibrationEpochs(2).setNumClasses(10).setSeed(2);

    long[] offHeap = new long[3];
    double accuracy = 0;
    for (int fit = 0; fit < offHeap.length; fit++) {
      FuseFLModel model = est.fit(train);
      accuracy = model.transform(test)
          .agg(avg(col("prediction").equalTo(col("label").cast("double")).cast("double"))).first().getDouble(0);
      OffHeapGuard.collect();
      offHeap[fit] = OffHeapGuard.offHeapBytes();
    }
    long peak = peakResidentBytes();
    assertThat(accuracy).as("test accuracy after 4 stages on 3,000 Fashion-MNIST rows").isGreaterThan(0.5);
    assertThat(peak).as("peak resident bytes (VmHWM)").isLessThan(MAX_PHYSICAL);
    // The first fit loads classes and grows thread pools and workspaces. From fit 2 to fit 3 this measured
    // 162 MB of growth (not yet explained: glibc arenas, metaspace, Spark's block manager are candidates), so the
    // bound is one off-heap budget per fit; a leaked batch array per step would add gigabytes.
    assertThat(offHeap[2] - offHeap[1]).as("off-heap growth from fit 2 to fit 3, bytes (after fit 1: %d MB)",
        offHeap[0] >> 20).isLessThan(MAX_BYTES);
  }

  static long peakResidentBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/self/status");
  }
}
