"""Alias of :mod:`sparkfusion.fusefl` for pyspark's loader (see org/sparkfusion/__init__.py)."""
from sparkfusion.fusefl import FuseFL, FuseFLModel

__all__ = ["FuseFL", "FuseFLModel"]
