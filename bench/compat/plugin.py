"""A pytest plugin standing in for pytest-spark, which the peers' suites use: session-scoped
`spark_session` and `spark_context` fixtures with pytest-spark's settings (one partition by
default), on `local[2]`, quiet."""
import os
import sys

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def spark_session():
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("pytest-spark")
             .config("spark.default.parallelism", "1").config("spark.sql.shuffle.partitions", "1")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def spark_context(spark_session):
    return spark_session.sparkContext
