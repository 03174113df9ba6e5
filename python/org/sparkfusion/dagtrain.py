"""Alias of :mod:`sparkfusion.dagtrain` for pyspark's loader (see org/sparkfusion/__init__.py)."""
from sparkfusion.dagtrain import DagTrainModel

__all__ = ["DagTrainModel"]
