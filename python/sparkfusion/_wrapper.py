"""What the pyspark.ml wrappers share: reading saved org.sparkfusion.* stages back into Python classes."""
from __future__ import annotations

from typing import Any, Generic, Type, TypeVar

from pyspark.ml.util import JavaMLReadable, JavaMLReader

RL = TypeVar("RL")


class _SparkFusionReader(JavaMLReader, Generic[RL]):
    """JavaMLReader whose Java class is the stage's ``_java_class`` (pyspark derives it from the module name,
    which only works for pyspark's own classes)."""

    @classmethod
    def _java_loader_class(cls, clazz: Type[Any]) -> str:
        return clazz._java_class


class SparkFusionReadable(JavaMLReadable[RL]):
    """``Stage.load(path)`` / ``Stage.read().load(path)`` for a stage with a ``_java_class`` attribute."""

    _java_class: str = ""

    @classmethod
    def read(cls) -> JavaMLReader[RL]:
        return _SparkFusionReader(cls)


def java_list(values: Any) -> list:
    """A Python list from a java.util.List or Scala Seq handed back by py4j."""
    if values is None:
        return []
    if hasattr(values, "getClass"):  # py4j JavaObject: every attribute "exists", so ask the class
        if values.getClass().getName().startswith("scala."):
            return [values.apply(i) for i in range(values.length())]
        return [values.get(i) for i in range(values.size())]
    return list(values)
