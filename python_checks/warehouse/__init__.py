"""The warehouse side of a run: the engine (DuckDB or Spark) that owns the
connection, the lock and every read; dbt in this process; the preflight
that holds the sources to the contract; the Spark Parquet loader."""
