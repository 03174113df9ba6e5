package org.sparkfusion.upmem

import org.scalatest.funsuite.AnyFunSuite

/** ScalaTest view of the partitioning levels: each builds on the previous one and lowers the worst DPU's load. */
class PartitionSuite extends AnyFunSuite {

  private val shapes = TableShapes.parse(Seq.fill(12)("20000x16").mkString(","))
  private val study = new PartitionStudy(shapes, Trace.zipf(shapes, 1.2, 10, 256, 6, 4), 5)

  test("balanced and cache-aware within 1.10 max/mean DPU load at Zipf 1.2 on 96 DPUs, uniform far above") {
    val load = Strategy.values().map(s => s -> study.loadOnFresh(study.place(s, 96)).maxMeanLoad()).toMap
    assert(load(Strategy.UNIFORM) > 1.5 * load(Strategy.BALANCED))
    assert(load(Strategy.BALANCED) <= 1.10, s"balanced max/mean ${load(Strategy.BALANCED)}")
    assert(load(Strategy.CACHE_AWARE) <= 1.10, s"cache-aware max/mean ${load(Strategy.CACHE_AWARE)}")
  }

  test("only cache-aware serves lookups from the cache region; balanced from hot-row replicas") {
    val balanced = study.loadOnFresh(study.place(Strategy.BALANCED, 32))
    assert(balanced.cacheHitRate() == 0.0)
    assert(balanced.replicaShare() > 0.0)
    assert(study.loadOnFresh(study.place(Strategy.CACHE_AWARE, 32)).cacheHitRate() > 0.0)
  }
}
