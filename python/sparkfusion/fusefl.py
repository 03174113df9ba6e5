"""FuseFL as pyspark.ml stages: :class:`FuseFL` (Estimator), :class:`FuseFLModel`, :class:`DirichletPartitioner`.

Params, defaults and docs come from the Java stage (``_generated_params.py``). ``FuseFL`` fits inside a
``pyspark.ml.Pipeline`` and ``CrossValidator``; saved stages load back as these classes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from pyspark import keyword_only
from pyspark.ml.util import JavaMLWritable
from pyspark.ml.wrapper import JavaEstimator, JavaModel
from pyspark.sql import DataFrame

from sparkfusion._generated_params import _FuseFLModelParams, _FuseFLParams
from sparkfusion._wrapper import SparkFusionReadable, java_list
from sparkfusion.progress import Callback, JobProgress

__all__ = ["FuseFL", "FuseFLModel", "FuseFLSummary", "StageRecord", "DirichletPartitioner"]

_STAGE_LINE = re.compile(
    r"^(?P<what>.*?): (?P<seconds>[0-9.]+) s, clients' loss \[(?P<loss>[^\]]*)\], "
    r"train accuracy \[(?P<acc>[^\]]*)\], bytes up (?P<up>\d+), bytes down (?P<down>\d+)")


@dataclass(frozen=True)
class StageRecord:
    """One line of the stage log, parsed: per-client loss and train accuracy of one stage."""

    what: str
    seconds: float
    client_loss: List[float]
    client_accuracy: List[float]
    bytes_up: int
    bytes_down: int


def _floats(text: str) -> List[float]:
    return [float(v) for v in text.split(",") if v.strip()]


def parse_stage_line(line: str) -> Optional[StageRecord]:
    """The :class:`StageRecord` of a stage-log line, or None for lines of another form (e.g. calibration)."""
    m = _STAGE_LINE.match(line)
    if not m:
        return None
    return StageRecord(m["what"], float(m["seconds"]), _floats(m["loss"]), _floats(m["acc"]), int(m["up"]),
                       int(m["down"]))


@dataclass(frozen=True)
class FuseFLSummary:
    """What a FuseFL fit measured (FuseFLSummary in Java) as Python data."""

    method: str
    seconds: float
    bytes_up: int
    bytes_down: int
    peak_memory_mb: float
    stage_log: List[str]
    stages: List[StageRecord] = field(default_factory=list)


class FuseFL(JavaEstimator, _FuseFLParams, SparkFusionReadable["FuseFL"], JavaMLWritable):
    """One-shot federated learning by progressive block fusion (``org.sparkfusion.fusefl.FuseFL``).

    Each distinct value of ``clientCol`` is a client; ``method`` picks FuseFL or the FedAvg / Ensemble /
    best-local baselines. Keyword arguments are the Java Params (see :meth:`explainParams`).

    ``progress``: optional callback receiving a :class:`sparkfusion.progress.ProgressEvent` for each change
    of the fit's Spark jobs (one per stage, described "FuseFL stage k/K: ..."), e.g.
    :func:`sparkfusion.progress.print_progress`. It is not a Param and is not saved.
    """

    _java_class = "org.sparkfusion.fusefl.FuseFL"

    @keyword_only
    def __init__(self, *, progress: Optional[Callback] = None, **kwargs: Any) -> None:
        super().__init__()
        self._java_obj = self._new_java_obj(self._java_class, self.uid)
        self._set_java_defaults()
        self._progress = progress
        params = dict(self._input_kwargs)
        params.pop("progress", None)
        self._set(**params)

    @keyword_only
    def setParams(self, **kwargs: Any) -> "FuseFL":
        """Sets Params by name, e.g. ``setParams(blocks=2, epochsPerStage=1)``."""
        return self._set(**self._input_kwargs)

    def setProgress(self, callback: Optional[Callback]) -> "FuseFL":
        """Sets (or clears, with None) the progress callback."""
        self._progress = callback
        return self

    def _fit_java(self, dataset: DataFrame) -> Any:
        callback = getattr(self, "_progress", None)
        if callback is None:
            return super()._fit_java(dataset)
        with JobProgress(dataset.sparkSession, callback):
            return super()._fit_java(dataset)

    def _create_model(self, java_model: Any) -> "FuseFLModel":
        return FuseFLModel(java_model)


class FuseFLModel(JavaModel, _FuseFLModelParams, SparkFusionReadable["FuseFLModel"], JavaMLWritable):
    """A fitted FuseFL / baseline model (``org.sparkfusion.fusefl.FuseFLModel``): appends ``predictionCol``
    (double) and ``probabilityCol`` (vector)."""

    _java_class = "org.sparkfusion.fusefl.FuseFLModel"

    def __init__(self, java_model: Any = None) -> None:
        super().__init__(java_model)
        self._set_java_defaults()
        if java_model is not None:
            self._transfer_params_from_java()

    @property
    def numClasses(self) -> int:
        """Number of classes the model predicts."""
        return int(self._call_java("numClasses"))

    @property
    def parameterCount(self) -> int:
        """Values held at inference time (parameters and BatchNorm statistics of all branches)."""
        return int(self._call_java("parameterCount"))

    @property
    def hasSummary(self) -> bool:
        """True for a model fitted in this session; a loaded model has no training summary."""
        return self._java_obj.summary() is not None

    @property
    def summary(self) -> FuseFLSummary:
        """The training summary with the per-stage log parsed into :class:`StageRecord` s.

        Raises:
            RuntimeError: for a loaded model (the summary is not saved).
        """
        s = self._java_obj.summary()
        if s is None:
            raise RuntimeError("FuseFLModel: no training summary (the model was loaded, not fitted)")
        log = [str(line) for line in java_list(s.stageLog())]
        stages = [r for r in (parse_stage_line(line) for line in log) if r is not None]
        return FuseFLSummary(str(s.method()), float(s.seconds()), int(s.bytesUp()), int(s.bytesDown()),
                             float(s.peakMemoryMb()), log, stages)


class DirichletPartitioner:
    """Non-IID client splits (``org.sparkfusion.fusefl.DirichletPartitioner``)."""

    @staticmethod
    def partition(df: DataFrame, labelCol: str = "label", clientCol: str = "client", clients: int = 5,
                  alpha: float = 0.5, seed: int = 1) -> DataFrame:
        """Adds ``clientCol`` (int): per class, the rows are split over ``clients`` with proportions drawn from
        Dirichlet(``alpha``); each client becomes one partition.

        Raises:
            pyspark.errors.IllegalArgumentException: naming the column or parameter at fault.
        """
        jvm = df.sparkSession.sparkContext._jvm
        java_df = jvm.org.sparkfusion.fusefl.DirichletPartitioner.partition(
            df._jdf, labelCol, clientCol, int(clients), float(alpha), int(seed))
        return DataFrame(java_df, df.sparkSession)
