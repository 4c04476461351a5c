"""A tiny columnar container the simulation writes into.

Ids are kept as integers and categorical strings as codes until the very end,
so a scale-100 run never holds tens of millions of Python strings: the DuckDB
writer formats ids in SQL, and only `to_frame` (tests, Parquet) materialises
strings. Each column class knows how to take rows, build a null column of its
kind, concatenate with its own kind and become a pandas array of the
contract's dtype.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_checks.declare.contract import SOURCE_TABLES

ID_WIDTH = 9

# pandas dtype per contract (DuckDB) type. Float64 (nullable) rather than
# float64 so a real IEEE NaN (a bad row) stays distinct from SQL NULL.
PANDAS_DTYPES = {
    "VARCHAR": "str",
    "DOUBLE": "Float64",
    "BOOLEAN": "boolean",
    "INTEGER": "Int32",
    "TIMESTAMP": "datetime64[us]",
}


@dataclass(frozen=True)
class Ids:
    """String ids `prefix + zero-padded number`; number -1 means null."""

    prefixes: tuple[str, ...]
    codes: np.ndarray  # index into prefixes, one per row
    num: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.num)

    def take(self, idx: np.ndarray) -> Ids:
        return Ids(self.prefixes, self.codes[idx], self.num[idx])

    def null(self, n: int) -> Ids:
        return Ids(self.prefixes, np.zeros(n, np.int16), np.full(n, -1, np.int64))

    @staticmethod
    def concat(cols: Sequence[Ids]) -> Ids:
        prefixes = tuple(dict.fromkeys(p for c in cols for p in c.prefixes))
        pos = {p: i for i, p in enumerate(prefixes)}
        codes = [
            c.codes
            if c.prefixes == prefixes[: len(c.prefixes)]  # already in the union's order
            else np.array([pos[p] for p in c.prefixes], np.int16)[c.codes]
            for c in cols
        ]
        return Ids(
            prefixes,
            np.concatenate(codes, dtype=np.int16),
            np.concatenate([c.num for c in cols], dtype=np.int64),
        )

    def to_pandas(self) -> pd.api.extensions.ExtensionArray:
        """Same text as the writer's SQL `prefix || printf('%09d', num)`."""
        num = np.maximum(self.num, 0)
        short = num < 10**ID_WIDTH
        # fast path: write the code points of prefix + digits, view them as strings
        lengths = {len(p) for p in self.prefixes} or {0}
        plen = max(lengths)
        chars = np.zeros((len(num), plen + ID_WIDTH), np.uint32)
        powers = 10 ** np.arange(ID_WIDTH - 1, -1, -1, dtype=np.int64)
        digits = ((num[:, None] // powers) % 10 + ord("0")).astype(np.uint32)
        if len(lengths) == 1:  # the usual case: prefixes of one length
            table = np.array([[ord(ch) for ch in p] for p in self.prefixes], np.uint32)
            chars[:, :plen] = table.reshape(-1, plen)[self.codes] if plen else 0
            chars[:, plen:] = digits
        else:
            for code, prefix in enumerate(self.prefixes):
                rows = self.codes == code
                chars[rows, : len(prefix)] = [ord(ch) for ch in prefix]
                chars[rows, len(prefix) : len(prefix) + ID_WIDTH] = digits[rows]
        text = chars.view(f"U{plen + ID_WIDTH}").ravel().astype(object)
        if not short.all():  # numbers wider than ID_WIDTH are printed in full
            long = ~short
            text[long] = np.strings.add(
                np.asarray(self.prefixes)[self.codes[long]], num[long].astype(str)
            ).astype(object)
        text[self.num < 0] = None
        return pd.array(text, dtype="str")


def ids(prefix: str, num: np.ndarray) -> Ids:
    num = np.asarray(num, np.int64)
    return Ids((prefix,), np.zeros(len(num), np.int16), num)


@dataclass(frozen=True)
class Cat:
    """Categorical strings as codes into `categories`; code -1 means null."""

    categories: tuple[str, ...]
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, idx: np.ndarray) -> Cat:
        return Cat(self.categories, self.codes[idx])

    def null(self, n: int) -> Cat:
        return Cat(self.categories, np.full(n, -1, np.int16))

    @staticmethod
    def concat(cols: Sequence[Cat]) -> Cat:
        cats = tuple(dict.fromkeys(x for c in cols for x in c.categories))
        pos = {x: i for i, x in enumerate(cats)}
        out = []
        for c in cols:
            if c.categories == cats[: len(c.categories)]:  # already in the union's order
                out.append(c.codes)
                continue
            remap = np.array([pos[x] for x in c.categories] + [-1], np.int16)
            out.append(remap[c.codes])  # code -1 picks the trailing -1
        return Cat(cats, np.concatenate(out, dtype=np.int16))

    def to_categorical(self) -> pd.Categorical:
        return pd.Categorical.from_codes(self.codes, categories=list(self.categories))

    def to_pandas(self) -> pd.api.extensions.ExtensionArray:
        text = np.asarray(self.categories + ("",), dtype=object)[self.codes]
        text[self.codes < 0] = None
        return pd.array(text, dtype="str")


def cat(categories: Sequence[str], codes: np.ndarray) -> Cat:
    return Cat(tuple(categories), np.asarray(codes, np.int16))


def const(value: str | None, n: int) -> Cat:
    """The same string (or null) on every row."""
    if value is None:
        return Cat((), np.full(n, -1, np.int16))
    return Cat((value,), np.zeros(n, np.int16))


@dataclass(frozen=True)
class Text:
    """Free text (object array of str, None for null)."""

    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def take(self, idx: np.ndarray) -> Text:
        return Text(self.values[idx])

    def null(self, n: int) -> Text:
        return Text(np.full(n, None, dtype=object))

    @staticmethod
    def concat(cols: Sequence[Text]) -> Text:
        return Text(np.concatenate([c.values for c in cols]))

    def to_pandas(self) -> pd.api.extensions.ExtensionArray:
        return pd.array(self.values, dtype="str")


@dataclass(frozen=True)
class Num:
    """Doubles; NaN in `values` is NULL unless `nan` marks it as a real NaN."""

    values: np.ndarray
    nan: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    @property
    def nan_mask(self) -> np.ndarray:
        return np.zeros(len(self), bool) if self.nan is None else self.nan

    def take(self, idx: np.ndarray) -> Num:
        return Num(self.values[idx], None if self.nan is None else self.nan[idx])

    def null(self, n: int) -> Num:
        return Num(np.full(n, np.nan))

    @staticmethod
    def concat(cols: Sequence[Num]) -> Num:
        nan = None
        if any(c.nan is not None for c in cols):
            nan = np.concatenate([c.nan_mask for c in cols])
        return Num(np.concatenate([c.values for c in cols], dtype=np.float64), nan)

    def to_pandas(self) -> pd.api.extensions.ExtensionArray:
        values = self.values.astype(np.float64)
        return pd.arrays.FloatingArray(values, np.isnan(values) & ~self.nan_mask)


@dataclass(frozen=True)
class Flag:
    """Booleans with a null mask."""

    values: np.ndarray
    mask: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def take(self, idx: np.ndarray) -> Flag:
        return Flag(self.values[idx], self.mask[idx])

    def null(self, n: int) -> Flag:
        return Flag(np.zeros(n, bool), np.ones(n, bool))

    @staticmethod
    def concat(cols: Sequence[Flag]) -> Flag:
        return Flag(
            np.concatenate([c.values for c in cols]), np.concatenate([c.mask for c in cols])
        )

    def to_pandas(self) -> pd.api.extensions.ExtensionArray:
        return pd.arrays.BooleanArray(self.values.astype(bool), self.mask.astype(bool))


def flag(values: np.ndarray) -> Flag:
    values = np.asarray(values, bool)
    return Flag(values, np.zeros(len(values), bool))


@dataclass(frozen=True)
class Int:
    """32-bit integers with a null mask."""

    values: np.ndarray
    mask: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def take(self, idx: np.ndarray) -> Int:
        return Int(self.values[idx], self.mask[idx])

    def null(self, n: int) -> Int:
        return Int(np.zeros(n, np.int32), np.ones(n, bool))

    @staticmethod
    def concat(cols: Sequence[Int]) -> Int:
        return Int(
            np.concatenate([c.values for c in cols], dtype=np.int32),
            np.concatenate([c.mask for c in cols]),
        )

    def to_pandas(self) -> pd.api.extensions.ExtensionArray:
        return pd.arrays.IntegerArray(self.values.astype(np.int32), self.mask.astype(bool))


def integer(values: np.ndarray) -> Int:
    values = np.asarray(values, np.int32)
    return Int(values, np.zeros(len(values), bool))


@dataclass(frozen=True)
class Ts:
    """Timestamps (UTC) as datetime64[us]; NaT is null."""

    us: np.ndarray  # datetime64[us]

    def __len__(self) -> int:
        return len(self.us)

    def take(self, idx: np.ndarray) -> Ts:
        return Ts(self.us[idx])

    def null(self, n: int) -> Ts:
        return Ts(np.full(n, np.datetime64("NaT"), "datetime64[us]"))

    @staticmethod
    def concat(cols: Sequence[Ts]) -> Ts:
        return Ts(np.concatenate([c.us for c in cols]))

    def to_pandas(self) -> np.ndarray:
        return self.us


def ts(us: np.ndarray) -> Ts:
    return Ts(np.asarray(us, np.int64).view("datetime64[us]"))


@dataclass(frozen=True)
class Null:
    """A column that is null on every row, stored as nothing but its length."""

    typ: str  # the contract type
    n: int

    def __len__(self) -> int:
        return self.n

    def take(self, idx: np.ndarray) -> Null:
        return Null(self.typ, len(idx))

    def null(self, n: int) -> Null:
        return Null(self.typ, n)

    @staticmethod
    def concat(cols: Sequence[Null]) -> Null:
        return Null(cols[0].typ, sum(c.n for c in cols))

    def materialize(self) -> Column:
        n = self.n
        return {
            "VARCHAR": lambda: Cat((), np.full(n, -1, np.int16)),
            "DOUBLE": lambda: Num(np.full(n, np.nan)),
            "BOOLEAN": lambda: Flag(np.zeros(n, bool), np.ones(n, bool)),
            "INTEGER": lambda: Int(np.zeros(n, np.int32), np.ones(n, bool)),
            "TIMESTAMP": lambda: Ts(np.full(n, np.datetime64("NaT"), "datetime64[us]")),
        }[self.typ]()

    def to_pandas(self) -> pd.api.extensions.ExtensionArray | np.ndarray:
        return self.materialize().to_pandas()


Column = Ids | Cat | Text | Num | Flag | Int | Ts | Null

# The column kinds a contract type may be built from (Null: absent, all null).
_KINDS = {
    "VARCHAR": (Ids, Cat, Text, Null),
    "DOUBLE": (Num, Null),
    "BOOLEAN": (Flag, Null),
    "INTEGER": (Int, Null),
    "TIMESTAMP": (Ts, Null),
}


class Table:
    """Rows of one contract table: every contract column, absent ones null."""

    def __init__(self, name: str, n: int, columns: Mapping[str, Column]):
        spec = SOURCE_TABLES[name]
        unknown = set(columns) - set(spec)
        if unknown:
            raise KeyError(f"{name}: columns not in the contract: {sorted(unknown)}")
        self.name = name
        self.n = n
        self.columns: dict[str, Column] = {}
        for col, typ in spec.items():
            value = columns.get(col)
            if value is None:
                value = Null(typ, n)
            if not isinstance(value, _KINDS[typ]) or len(value) != n:
                raise TypeError(f"{name}.{col}: {type(value).__name__} of {len(value)} rows")
            self.columns[col] = value

    def __len__(self) -> int:
        return self.n

    def replace(self, **columns: Column) -> Table:
        """A copy with some columns swapped for others of the same length."""
        return Table(self.name, self.n, {**self.columns, **columns})

    def take(self, idx: np.ndarray, consume: bool = False) -> Table:
        """The rows at `idx`. With consume, each column is dropped from this
        table as soon as it is copied (peak memory: one table plus a column)."""
        idx = np.asarray(idx)
        cols = {}
        for name in list(self.columns):
            cols[name] = (self.columns.pop(name) if consume else self.columns[name]).take(idx)
        return Table(self.name, len(idx), cols)

    def sort_by(self, column: str) -> Table:
        """Stable sort on a timestamp or numeric column (arrival order)."""
        col = self.columns[column]
        key = col.us if isinstance(col, Ts) else col.values
        return self.take(np.argsort(key, kind="stable"))

    def to_frame(self) -> pd.DataFrame:
        """Strings materialised, dtypes per PANDAS_DTYPES."""
        data = {k: v.to_pandas() for k, v in self.columns.items()}
        return pd.DataFrame(data, index=pd.RangeIndex(self.n))


def concat(name: str, tables: Iterable[Table], consume: bool = False) -> Table:
    """Row-wise union of tables of the same contract table. With consume, the
    inputs give up each column as soon as it is merged."""
    tables = [t for t in tables if t.n]
    if not tables:
        return Table(name, 0, {})
    cols: dict[str, Column] = {}
    for col in SOURCE_TABLES[name]:
        parts = [t.columns.pop(col) if consume else t.columns[col] for t in tables]
        present = [p for p in parts if not isinstance(p, Null)]
        if present:
            # a part without the column gets a null column of the others' kind
            parts = [present[0].null(len(p)) if isinstance(p, Null) else p for p in parts]
            kinds = {type(p) for p in parts}
            if len(kinds) > 1:
                raise TypeError(f"{name}.{col}: cannot concatenate {kinds}")
        cols[col] = type(parts[0]).concat(parts)
    return Table(name, sum(t.n for t in tables), cols)


def served(
    prefix: str,
    pid: np.ndarray,
    model: str,
    version: str | Cat,
    task_type: str,
    predicted_at: np.ndarray,
    user_id: Ids,
    segment: Cat,
    **columns: Column,
) -> Table:
    """A model's predictions: the identifying columns every demo model
    writes, plus its own (score, predicted_value, generated_text, ...)."""
    n = len(pid)
    return Table(
        "predictions",
        n,
        {
            "prediction_id": ids(prefix, pid),
            "model_name": const(model, n),
            "model_version": const(version, n) if isinstance(version, str) else version,
            "task_type": const(task_type, n),
            "predicted_at": ts(predicted_at),
            "user_id": user_id,
            "segment": segment,
            **columns,
        },
    )


def features(
    prefix: str,
    pid: np.ndarray,
    names: Sequence[str],
    numeric: np.ndarray,
    vocabulary: Sequence[str],
    category: np.ndarray,
) -> Table:
    """Long feature rows of predictions `pid`: `numeric` and `category`
    (codes into `vocabulary`, -1 for none) are n × len(names)."""
    n, k = len(pid), len(names)
    return Table(
        "prediction_features",
        n * k,
        {
            "prediction_id": ids(prefix, np.repeat(pid, k)),
            "feature_name": cat(names, np.tile(np.arange(k), n)),
            "numeric_value": Num(np.asarray(numeric, float).ravel()),
            "category_value": cat(vocabulary, np.asarray(category).ravel()),
        },
    )


def rows_where(name: str, keep: np.ndarray, **columns: Column) -> Table:
    """The rows of `name` where `keep` holds (e.g. labels that arrived by
    the warehouse's as-of time); `columns` are full length."""
    index = np.flatnonzero(keep)
    return Table(name, len(index), {column: value.take(index) for column, value in columns.items()})
