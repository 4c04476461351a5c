"""The source-table contract (../shared/CONTRACT.md, section 1) as data.

One declaration that the demo generator (DDL), the preflight check (exit 2 on
a missing table or column) and the tests all read.
"""

from __future__ import annotations

# table -> {column: duckdb type}; order is the contract's column order.
SOURCE_TABLES: dict[str, dict[str, str]] = {
    "predictions": {
        "prediction_id": "VARCHAR",
        "model_name": "VARCHAR",
        "model_version": "VARCHAR",
        "task_type": "VARCHAR",
        "predicted_at": "TIMESTAMP",
        "user_id": "VARCHAR",
        "segment": "VARCHAR",
        "score": "DOUBLE",
        "threshold": "DOUBLE",
        "predicted_label": "BOOLEAN",
        "request_id": "VARCHAR",
        "item_id": "VARCHAR",
        "rank": "INTEGER",
        "is_exploration": "BOOLEAN",
        "predicted_value": "DOUBLE",
        "generated_text": "VARCHAR",
        "latency_ms": "DOUBLE",
    },
    "prediction_features": {
        "prediction_id": "VARCHAR",
        "feature_name": "VARCHAR",
        "numeric_value": "DOUBLE",
        "category_value": "VARCHAR",
    },
    "labels": {
        "prediction_id": "VARCHAR",
        "request_id": "VARCHAR",
        "item_id": "VARCHAR",
        "actual_value": "DOUBLE",
        "reference_text": "VARCHAR",
        "labeled_at": "TIMESTAMP",
    },
    "events": {
        "event_id": "VARCHAR",
        "user_id": "VARCHAR",
        "session_id": "VARCHAR",
        "event_type": "VARCHAR",
        "occurred_at": "TIMESTAMP",
        "model_name": "VARCHAR",
        "request_id": "VARCHAR",
        "item_id": "VARCHAR",
        "value": "DOUBLE",
        "properties": "VARCHAR",
    },
    "items": {
        "item_id": "VARCHAR",
        "category": "VARCHAR",
        "created_at": "TIMESTAMP",
    },
    "users": {
        "user_id": "VARCHAR",
        "signed_up_at": "TIMESTAMP",
        "acquisition_channel": "VARCHAR",
    },
}

TASK_TYPES = ("binary_classification", "ranking", "regression", "generation")

KNOWN_EVENT_TYPES = (
    "session_start",
    "session_end",
    "impression",
    "click",
    "conversion",
    "support_ticket",
    "rating",
    "signup",
)


def create_table_sql(schema: str, table: str) -> str:
    """DDL for one source table exactly as the contract types it."""
    cols = ",\n    ".join(f"{name} {typ}" for name, typ in SOURCE_TABLES[table].items())
    return f"CREATE OR REPLACE TABLE {schema}.{table} (\n    {cols}\n)"
