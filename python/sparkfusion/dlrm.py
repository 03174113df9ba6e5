"""DLRM scoring: the :class:`DlrmModel` transformer and :func:`register` for the ``dlrm_predict`` SQL function.

Params, defaults and docs come from the Java stage ``org.sparkfusion.dlrm.DlrmModel`` (``_generated_params.py``).
"""
from __future__ import annotations

from typing import Any

from pyspark import keyword_only
from pyspark.ml.util import JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer
from pyspark.sql import SparkSession

from sparkfusion._generated_params import _DlrmModelParams
from sparkfusion._wrapper import SparkFusionReadable

__all__ = ["DlrmModel", "register", "MODEL_PATH_KEY"]

#: The session setting ``dlrm_predict`` scores with.
MODEL_PATH_KEY = "spark.sparkfusion.dlrm.modelPath"


class DlrmModel(JavaTransformer, _DlrmModelParams, SparkFusionReadable["DlrmModel"], JavaMLWritable):
    """Scores a DataFrame with a DLRM (``org.sparkfusion.dlrm.DlrmModel``): appends ``outputCol`` (double, the
    click probability) from ``denseCol`` (array of numbers) and ``sparseCol`` (array of arrays of ids, one per
    table). ``modelPath`` is a ``torch.save`` checkpoint or a directory of ``.npy`` files on any Hadoop path.
    Params left unset fall back to the session's ``spark.sparkfusion.dlrm.*`` settings, then to their defaults.
    Saving copies the model file into the saved stage.
    """

    _java_class = "org.sparkfusion.dlrm.DlrmModel"

    @keyword_only
    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self._java_obj = self._new_java_obj(self._java_class, self.uid)
        self._set_java_defaults()
        self._set(**self._input_kwargs)

    @keyword_only
    def setParams(self, **kwargs: Any) -> "DlrmModel":
        """Sets Params by name, e.g. ``setParams(modelPath="/models/dlrm.pt", outputCol="ctr")``."""
        return self._set(**self._input_kwargs)


def register(spark: SparkSession, model_path: str) -> None:
    """Make ``dlrm_predict(dense, sparse)`` score with ``model_path`` in this session (sets
    ``spark.sparkfusion.dlrm.modelPath``; each executor loads the model once)."""
    spark.sparkContext._jvm.org.sparkfusion.dlrm.DlrmFunctions.register(spark._jsparkSession, model_path)
