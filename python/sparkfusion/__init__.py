"""Spark Fusion from Python.

``spark = sparkfusion.start(master="local[2]")`` gives a SparkSession with the project's jars, Kryo
registration and the ``dlrm_predict`` SQL function; :mod:`sparkfusion.fusefl`, :mod:`sparkfusion.dlrm` and
:mod:`sparkfusion.dagtrain` wrap the Java stages as pyspark.ml stages. See docs/python.md.
"""
from sparkfusion._session import JVM_FLAGS, KRYO_REGISTRATOR, SQL_EXTENSION, jars, spark_conf, start

__version__ = "0.1.0.dev0"

__all__ = ["start", "jars", "spark_conf", "JVM_FLAGS", "KRYO_REGISTRATOR", "SQL_EXTENSION", "__version__"]
