"""Python classes under the Java class names of Spark Fusion's ML stages.

pyspark loads a saved stage (``Pipeline.load``, ``PipelineModel.load``, ``CrossValidatorModel.load``) by
importing the Java class name as a Python path, so ``org.sparkfusion.fusefl.FuseFLModel`` must be importable;
these modules re-export the :mod:`sparkfusion` classes.
"""
