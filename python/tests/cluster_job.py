"""The job a cluster user submits with Spark Fusion taken by coordinates (test_packages.py runs it).

Plain PySpark, no `sparkfusion` package: the jars come from --packages / spark.jars.packages only.

    cluster_job.py submit FIXTURES               under spark-submit --packages ... (settings from --conf)
    cluster_job.py builder FIXTURES CONF_JSON     plain python; the builder sets spark.jars.packages and the rest

Scores the reference rows with dlrm_predict on the executors and prints one line `RESULT {json}` with what the
test checks: the largest difference from the reference outputs, the executors seen, the jars Spark was given, the
SQL functions, the Kryo settings and an ND4J computation in the driver (the native platform jars resolved).
"""
import json
import os
import sys

from pyspark.sql import Row, SparkSession
from pyspark.sql.types import ArrayType, FloatType, IntegerType, StructField, StructType


def main(argv):
    mode, fixtures = argv[1], argv[2]
    builder = SparkSession.builder.appName("sparkfusion-packages-" + mode)
    if mode == "builder":
        for key, value in json.loads(argv[3]).items():
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    sc = spark.sparkContext

    with open(os.path.join(fixtures, "dot_rows.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    schema = StructType([StructField("id", IntegerType()), StructField("dense", ArrayType(FloatType())),
                         StructField("sparse", ArrayType(ArrayType(IntegerType())))])
    df = spark.createDataFrame([Row(id=i, dense=r["dense"], sparse=r["sparse"]) for i, r in enumerate(rows)],
                               schema).repartition(2)
    df.createOrReplaceTempView("impressions")
    # spark.sparkfusion.dlrm.modelPath is set: the session extension (found through META-INF/services in the
    # package jar) registers dlrm_predict without any call.
    scored = {r.id: r.ctr for r in spark.sql("SELECT id, dlrm_predict(dense, sparse) AS ctr FROM impressions").collect()}
    max_err = max(abs(scored[i] - r["expected"]) for i, r in enumerate(rows)) if len(scored) == len(rows) else None

    jvm = sc._jvm
    nd4j = jvm.org.nd4j.linalg.factory.Nd4j
    result = {
        "rows": len(rows),
        "scored": len(scored),
        "max_err": max_err,
        # the driver's block manager + one per executor (local-cluster: tasks run only in executor JVMs)
        "block_managers": sc._jsc.sc().getExecutorMemoryStatus().size(),
        "master": sc.master,
        "jars": [j for j in (sc.getConf().get("spark.jars", "") or "").split(",") if j],
        "functions": sorted(r.function for r in spark.sql("SHOW FUNCTIONS LIKE 'dlrm*'").collect()),
        "serializer": sc.getConf().get("spark.serializer", ""),
        "registrator": sc.getConf().get("spark.kryo.registrator", ""),
        "nd4j_backend": nd4j.getBackend().getClass().getName(),
        "nd4j_product": float(nd4j.scalar(2.0).mul(3.0).sumNumber()),  # py4j returns the Number as a float
    }
    print("RESULT " + json.dumps(result), flush=True)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv)
