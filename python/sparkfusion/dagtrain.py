"""dagtrain from Python: build or pick an operator graph, train it as a Spark pipeline, get the loss history.

A thin layer over the Java ``org.sparkfusion.dagtrain.DagTrainer`` (the entry point ``DagTrainJob`` uses):
:func:`train` returns a :class:`TrainingResult` with plain Python values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional, Union

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from sparkfusion._wrapper import java_list

__all__ = ["GraphBuilder", "graph", "schema_for", "train", "TrainingResult", "Link"]


def _pkg(spark: SparkSession) -> Any:
    return spark.sparkContext._jvm.org.sparkfusion.dagtrain


class GraphBuilder:
    """The Java ``GraphBuilder`` with Python arguments: ``input(name, dtype, *shape)`` takes the shape as
    ints and ``dtype`` as ``"FLOAT"``/``"INT"``; every other method (``linear``, ``relu``, ``layerNorm``,
    ``add``, ``softmaxCrossEntropy``, ...) is the Java method, returning the node name."""

    def __init__(self, spark: SparkSession) -> None:
        self._spark = spark
        self._java = _pkg(spark).GraphBuilder()

    def input(self, name: str, dtype: str, *shape: int) -> str:
        """Declares a graph input (a DataFrame column of the same name)."""
        gateway = self._spark.sparkContext._gateway
        dims = gateway.new_array(gateway.jvm.int, len(shape))
        for i, d in enumerate(shape):
            dims[i] = int(d)
        return self._java.input(name, getattr(_pkg(self._spark).DType, dtype.upper()), dims)

    def build(self) -> Any:
        """The Java ``Graph``."""
        return self._java.build()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._java, name)


def graph(spark: SparkSession, spec: str) -> Any:
    """A Java ``Graph``: ``"gpt-tiny"`` or ``"resnet-small"`` (the built-in models), or a graph JSON text
    (``Graph.toJson`` format)."""
    models = _pkg(spark).Models
    if spec == "gpt-tiny":
        return models.gptTiny()
    if spec == "resnet-small":
        return models.resnetSmall()
    if spec.lstrip().startswith("{"):
        return _pkg(spark).Graph.fromJson(spec)
    raise ValueError("graph: expected 'gpt-tiny', 'resnet-small' or a graph JSON, got %r" % spec[:40])


def _as_graph(spark: SparkSession, g: Union[str, Any]) -> Any:
    return graph(spark, g) if isinstance(g, str) else g


def schema_for(spark: SparkSession, g: Union[str, Any]) -> StructType:
    """The schema training data must have: one non-null float array column per graph input."""
    java_schema = _pkg(spark).DagTrainer.schemaFor(_as_graph(spark, g))
    return StructType.fromJson(json.loads(java_schema.json()))


@dataclass(frozen=True)
class Link:
    """Traffic on one pipeline link."""

    source: str
    target: str
    bytes: int
    kept_fraction: float


@dataclass(frozen=True)
class TrainingResult:
    """What a training run measured: the loss of every step (from ``start_step``) and its elapsed time."""

    losses: List[float]
    elapsed_seconds: List[float]
    start_step: int
    stages: int
    final_loss: float
    seconds: float
    throughput: float
    links: List[Link]
    plan_json: str
    report_json: str


def train(data: DataFrame, g: Union[str, Any], *, stages: int = 2, steps: int = 10, seed: int = 1,
          planner: str = "opfence", compression: str = "none", name: str = "python",
          micro_batches: Optional[int] = None, micro_batch_size: Optional[int] = None,
          learning_rate: Optional[float] = None, optimizer: Optional[str] = None,
          schedule: Optional[str] = None) -> TrainingResult:
    """Trains graph ``g`` on ``data`` as a ``stages``-stage pipeline over the session's executors (one barrier
    task per stage) for ``steps`` optimizer steps, and returns the loss history.

    Options left None fall back to the session's ``spark.sparkfusion.dagtrain.*`` settings (docs/dagtrain.md).
    """
    spark = data.sparkSession
    trainer = _pkg(spark).DagTrainer(_as_graph(spark, g)).name(name).stages(int(stages)).steps(int(steps)) \
        .seed(int(seed)).planner(planner).compression(compression)
    if micro_batches is not None:
        trainer.microBatches(int(micro_batches))
    if micro_batch_size is not None:
        trainer.microBatchSize(int(micro_batch_size))
    if learning_rate is not None:
        trainer.learningRate(float(learning_rate))
    if optimizer is not None:
        trainer.optimizer(optimizer)
    if schedule is not None:
        trainer.schedule(schedule)
    report = trainer.fit(data._jdf)
    links = [Link(str(l.__getattr__("from")()), str(l.to()), int(l.bytes()), float(l.keptFraction()))
             for l in java_list(report.links())]
    return TrainingResult([float(v) for v in java_list(report.losses())],
                          [float(v) for v in java_list(report.elapsedSeconds())], int(report.startStep()),
                          int(report.stages()), float(report.finalLoss()), float(report.seconds()),
                          float(report.throughput()), links, str(report.planJson()), str(report.toJson()))
