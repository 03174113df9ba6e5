"""dagtrain from Python: build or pick an operator graph, train it as a Spark pipeline, keep the trained model.

A thin layer over the Java ``org.sparkfusion.dagtrain.DagTrainer`` (a Spark ML Estimator; the entry point
``DagTrainJob`` uses): :func:`train` returns a :class:`TrainingResult` with plain Python values and the
:class:`DagTrainModel` (weights as numpy arrays, ``.npy`` export, ``transform``, ``loss``, save/load), and can
report :class:`Progress` to a callback while the pipeline trains.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Union

from pyspark.ml.util import JavaMLWritable
from pyspark.ml.wrapper import JavaModel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from sparkfusion._wrapper import SparkFusionReadable, java_list

__all__ = ["GraphBuilder", "graph", "schema_for", "train", "TrainingResult", "Link", "DagTrainModel", "Progress"]


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
    model: "DagTrainModel"
    #: why training ended: "steps" (all ran), "target" (``target_loss`` reached) or "budget" (``max_seconds`` spent)
    stop_reason: str = "steps"


@dataclass(frozen=True)
class Progress:
    """The loss history of a running fit as the driver has seen it (``org.sparkfusion.dagtrain.TrainingProgress``):
    updated with every executor heartbeat (``spark.executor.heartbeatInterval``, 10 s by default) and complete when
    ``finished``."""

    steps_done: int
    total_steps: int
    losses: List[float]
    finished: bool

    @property
    def fraction(self) -> float:
        return min(1.0, self.steps_done / self.total_steps) if self.total_steps else 0.0

    @property
    def last_loss(self) -> Optional[float]:
        return self.losses[-1] if self.losses else None


def _progress_of(jp: Any) -> Progress:
    return Progress(int(jp.stepsDone()), int(jp.totalSteps()), [float(v) for v in java_list(jp.losses())],
                    bool(jp.finished()))


class _ProgressPoller:
    """Polls the Java trainer's progress() from a thread while fit blocks the caller, calling back on change."""

    def __init__(self, jtrainer: Any, callback: Callable[[Progress], None], interval: float = 0.5) -> None:
        self._jtrainer, self._callback, self._interval = jtrainer, callback, interval
        self._stop = threading.Event()
        self._last: Optional[tuple] = None
        self._thread = threading.Thread(target=self._run, name="sparkfusion-dagtrain-progress", daemon=True)

    def poll(self) -> None:
        jp = self._jtrainer.progress()
        if jp is None:
            return
        p = _progress_of(jp)
        key = (p.steps_done, p.finished)
        if key != self._last:
            self._last = key
            self._callback(p)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll()
            except Exception:  # the session stopping under us ends reporting, not the fit
                return

    def __enter__(self) -> "_ProgressPoller":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.poll()
        except Exception:
            pass


class DagTrainModel(JavaModel, SparkFusionReadable["DagTrainModel"], JavaMLWritable):
    """A trained graph (``org.sparkfusion.dagtrain.DagTrainModel``): ``transform`` appends the output node's value
    per row (``outputCol``, default ``output``, array of float; by default the logits feeding the loss);
    ``DagTrainModel.load(path)`` and ``model.write().save(path)`` work on any Hadoop path, and inside
    ``PipelineModel``."""

    _java_class = "org.sparkfusion.dagtrain.DagTrainModel"

    def __init__(self, java_model: Any = None) -> None:
        super().__init__(java_model)

    def parameter_names(self) -> List[str]:
        """Every trained parameter, ``<node>.<parameter>`` (e.g. ``fc1.weight``), in graph order."""
        return [str(n) for n in java_list(self._java_obj.parameterNames())]

    def parameter(self, name: str) -> Any:
        """One trained parameter as a float64 numpy array of its shape."""
        import io

        import numpy as np

        # the .npy bytes cross py4j as one bytes object (an element-wise double[] would be one call per value)
        return np.load(io.BytesIO(bytes(self._java_obj.parameterNpy(name))), allow_pickle=False)

    def parameters(self) -> Dict[str, Any]:
        """Every trained parameter by name (numpy arrays)."""
        return {n: self.parameter(n) for n in self.parameter_names()}

    def export_npy(self, path: str) -> None:
        """Writes ``<node>.<parameter>.npy`` per parameter and ``index.json`` into ``path`` (must not exist)."""
        self._java_obj.exportNpy(path)

    def loss(self, dataset: DataFrame) -> float:
        """Mean loss over ``dataset`` (every graph input, the label too, as columns)."""
        return float(self._java_obj.loss(dataset._jdf))

    def setOutputCol(self, value: str) -> "DagTrainModel":
        self._java_obj.setOutputCol(value)
        return self

    def setOutputNode(self, value: str) -> "DagTrainModel":
        """Which node's value ``transform`` outputs ("" = the loss's input)."""
        self._java_obj.setOutputNode(value)
        return self

    @property
    def history(self) -> Dict[str, Any]:
        """``{"start_step", "losses", "elapsed_seconds"}`` of the run that trained it (kept when saved)."""
        h = self._java_obj.history()
        return {"start_step": int(h.startStep()), "losses": [float(v) for v in java_list(h.losses())],
                "elapsed_seconds": [float(v) for v in java_list(h.elapsedSeconds())]}

    @property
    def hasSummary(self) -> bool:
        """True for a model fitted in this session; a loaded one has its history but no report."""
        return bool(self._java_obj.hasSummary())


def train(data: DataFrame, g: Union[str, Any], *, stages: int = 2, steps: int = 10, seed: int = 1,
          planner: str = "opfence", compression: str = "none", name: str = "python",
          micro_batches: Optional[int] = None, micro_batch_size: Optional[int] = None,
          learning_rate: Optional[float] = None, optimizer: Optional[str] = None,
          schedule: Optional[str] = None, target_loss: Optional[float] = None,
          max_seconds: Optional[float] = None,
          progress: Optional[Callable[[Progress], None]] = None) -> TrainingResult:
    """Trains graph ``g`` on ``data`` as a ``stages``-stage pipeline over the session's executors (one barrier
    task per stage) for ``steps`` optimizer steps, and returns the loss history and the trained model.

    Options left None fall back to the session's ``spark.sparkfusion.dagtrain.*`` settings (docs/dagtrain.md).
    ``steps`` is a limit: with ``target_loss`` training stops once the mean loss of the last 5 steps is at or below
    it, with ``max_seconds`` after the first step that ends that many seconds in (``result.stop_reason`` says why).
    ``progress`` is called with a :class:`Progress` whenever the driver sees new steps (with each executor
    heartbeat) and once at the end, e.g. to drive a progress bar.
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
    if target_loss is not None:
        trainer.targetLoss(float(target_loss))
    if max_seconds is not None:
        trainer.maxSeconds(float(max_seconds))
    if progress is not None:
        with _ProgressPoller(trainer, progress):
            jmodel = trainer.fit(data._jdf)
    else:
        jmodel = trainer.fit(data._jdf)
    report = jmodel.summary()
    links = [Link(str(l.__getattr__("from")()), str(l.to()), int(l.bytes()), float(l.keptFraction()))
             for l in java_list(report.links())]
    return TrainingResult([float(v) for v in java_list(report.losses())],
                          [float(v) for v in java_list(report.elapsedSeconds())], int(report.startStep()),
                          int(report.stages()), float(report.finalLoss()), float(report.seconds()),
                          float(report.throughput()), links, str(report.planJson()), str(report.toJson()),
                          DagTrainModel(jmodel), str(report.stopReason()))
