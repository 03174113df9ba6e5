"""Alias of :mod:`sparkfusion.dlrm` for pyspark's loader (see org/sparkfusion/__init__.py)."""
from sparkfusion.dlrm import DlrmModel

__all__ = ["DlrmModel"]
