"""dbt, run in this process: `build`, the batched backfill, `docs generate`
and run-operations, with their outcomes as check results (a failing data
test is a breach, a model that cannot build is a usage error).

Fixed costs are paid once:
- the parsed project (dbt's Manifest) is cached on disk, keyed by everything
  that can change it (the project's files, the vars a run passes, the
  target, the database name, the dbt version and the env vars the project
  reads), so a night loads it in a fraction of a second instead of
  parsing; a changed file gives a new key and one full parse;
- one process runs every dbt command of a run on that one manifest (no
  second interpreter, no second parse for the docs);
- the static dbt docs are rewritten only when the manifest changed;
- unit tests (`unit_tests:` in the YAML) test the SQL's logic, not the
  night's data: the nightly build leaves them to the test suite.

The engine (warehouse/engine.py) gives dbt's profile its environment and
frees the warehouse around every invocation.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.errors import UsageError
from python_checks.results import CheckResult, Status
from python_checks.warehouse.engine import Engine

# What dbt reads when it parses the project (besides profiles.yml).
_PROJECT_DIRS = ("models", "macros", "seeds", "tests/dbt", "snapshots", "analyses", "dbt_packages")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")
_ENV_VAR = re.compile(r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")
# profiles.yml's own env vars reach the manifest only through the target
# and the database name, both in the key already.
_PROFILE_ONLY = {"WAREHOUSE_PATH", "MPM_DUCKDB_MEMORY_LIMIT", "MPM_DUCKDB_TEMP_DIRECTORY"}
_KEEP_MANIFESTS = 8
# The data tests on the verdict marts (rule_verdicts_daily,
# link_verdicts_daily, drift_fdr_verdicts_daily) that make a plain `dbt
# build` fail (error) or warn on a breach of a declared rule, link or drift
# control; `mpm run` judges those itself and holds the marts to its verdicts.
DECLARED_RULE_TESTS = (
    "declared_error_rules_hold",
    "declared_warn_rules_hold",
    "declared_error_links_hold",
    "declared_warn_links_hold",
    "declared_error_drift_fdr_hold",
    "declared_warn_drift_fdr_hold",
)


class Dbt:
    """The project's dbt commands against one engine, in this process.

    `artifacts` holds dbt's target/ (run_results.json; manifest.json only
    after a parse) and logs/; `dbt_vars` are the vars this run passes on the
    command line."""

    def __init__(
        self,
        engine: Engine,
        artifacts: Path,
        dbt_vars: dict[str, Any] | None = None,
        quiet: bool = False,
        rules_judged_by_mpm: bool = False,
    ):
        self.engine = engine
        self.artifacts = artifacts
        self.vars = dict(dbt_vars or {})
        self.quiet = quiet
        # `mpm run` judges the declared rules itself (Great Expectations,
        # held to rule_verdicts_daily): its build skips the two data tests
        # that judge them for a plain `dbt build`, so a breach is reported
        # once. The verdict model is still built.
        self.rules_judged_by_mpm = rules_judged_by_mpm
        self._manifest = None
        self._key = ""
        self._built = False  # a build in this session compiled the manifest's nodes

    # ---- the parsed project
    def manifest(self):
        """dbt's Manifest of the project: from the cache, or parsed once."""
        if self._manifest is None:
            self._manifest = self._load_manifest()
        return self._manifest

    @property
    def manifest_key(self) -> str:
        if not self._key:
            self._key = manifest_key(self.engine, self.vars)
        return self._key

    def _load_manifest(self):
        from dbt.contracts.graph.manifest import Manifest
        from dbt.parser.manifest import extended_mashumuro_decoder

        cached = cache_dir() / f"{self.manifest_key}.msgpack"
        if cached.exists():
            try:
                manifest = Manifest.from_msgpack(
                    cached.read_bytes(), decoder=extended_mashumuro_decoder
                )
                manifest.build_flat_graph()
                return manifest
            except Exception:  # an unreadable cache entry is parsed again
                cached.unlink(missing_ok=True)
        result = self.invoke(["parse"], manifest=None)
        if not result.success or result.result is None:
            raise ParseError(_first_line(result.exception) or "dbt parse failed")
        manifest = result.result
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            _store(cached, manifest.to_msgpack())
        return manifest

    # ---- commands
    def build(self, full_refresh: bool = False, threads: int | None = None) -> list[CheckResult]:
        """`dbt build` (models, seeds, data tests); raises UsageError when a
        model fails, returns the tests' outcomes."""
        # --no-write-json: dbt would serialize the whole compiled manifest
        # (and its graph) after every build, a fixed cost that dominates a
        # small warehouse's night; run_results.json is written below and the
        # manifest only when the docs need it (docs()).
        args = ["build", "--exclude-resource-type", "unit_test", "--no-write-json"]
        if self.rules_judged_by_mpm:
            args += ["--exclude", *DECLARED_RULE_TESTS]
        if full_refresh:
            args.append("--full-refresh")
        if threads is not None:
            args += ["--threads", str(threads)]
        results_file = self.artifacts / "target" / "run_results.json"
        results_file.unlink(missing_ok=True)
        try:
            result = self.invoke(args)
        except ParseError as exc:
            raise UsageError(f"dbt build did not run: {exc.reason}") from exc
        if hasattr(result.result, "write"):
            try:
                results_file.parent.mkdir(parents=True, exist_ok=True)
                result.result.write(str(results_file))
            except OSError as exc:  # a full disk: the build's outcome is unknown
                results_file.unlink(missing_ok=True)
                raise UsageError(
                    f"dbt build's results could not be written: {exc.strerror or exc}"
                ) from exc
        self._built = results_file.exists()
        if not results_file.exists():
            reason = _first_line(result.exception)
            raise UsageError("dbt build did not run" + (f": {reason}" if reason else ""))
        return interpret_run_results(json.loads(results_file.read_text()))

    def backfill(self, batch_days: int, schema: str) -> list[CheckResult]:
        """Build the whole history as a sequence of nights of `batch_days`
        days (var `as_of`: the warehouse as it stood at each batch's end), so
        every id join and window covers a few days and memory stays bounded
        at any size. The first batch is a full refresh; the incremental
        models make the end state equal one full build
        (tests/test_incremental.py). Returns the last batch's test outcomes
        plus every earlier batch's failures."""
        if self.engine.target != "duckdb":
            raise UsageError("--batch-days: batched backfills run on DuckDB only")
        if batch_days < 1:
            raise UsageError(f"--batch-days must be at least 1, not {batch_days}")
        days = self.engine.history_days(schema)
        bounds = [None] if days is None else batch_boundaries(*days, batch_days)
        # Marks of runs on the whole warehouse would hide the replayed nights' labels.
        self.engine.forget_incremental_state()
        earlier: dict[str, CheckResult] = {}
        results: list[CheckResult] = []
        for index, as_of in enumerate(bounds):
            batch = {**self.vars, "lookback_days": batch_days}
            if as_of is not None:
                batch["as_of"] = as_of
            if not self.quiet:
                print(
                    f"backfill batch {index + 1}/{len(bounds)}: as of {as_of or 'now'}", flush=True
                )
            # One model at a time: DuckDB uses every core for it, and
            # concurrent models would share one memory_limit (two drift
            # reference tables at 10M predictions ran out of it together).
            night = Dbt(self.engine, self.artifacts, batch, self.quiet, self.rules_judged_by_mpm)
            results = night.build(full_refresh=index == 0, threads=1)
            for result in results:
                if result.status != Status.PASSED:
                    earlier.setdefault(result.message, result)
        final = {result.message for result in results}
        return results + [r for message, r in earlier.items() if message not in final]

    def docs(self, docs_dir: Path) -> Path | None:
        """The static dbt docs (static_index.html, which embeds the manifest
        and catalog, so it opens from disk) in docs_dir, rewritten only when
        the manifest changed. None when dbt could not write them: the docs
        are a convenience, never a reason to fail the night."""
        index = docs_dir / "static_index.html"
        stamp = docs_dir / ".manifest_key"
        if index.exists() and stamp.exists() and stamp.read_text() == self.manifest_key:
            return index
        stamp.unlink(missing_ok=True)
        docs_dir.mkdir(parents=True, exist_ok=True)
        args = ["docs", "generate", "--static", "--target-path", str(docs_dir)]
        if self._built:
            # The build just compiled every node into the session's
            # manifest: the docs take it as it is instead of compiling again.
            from dbt.parser.manifest import write_manifest

            write_manifest(self.manifest(), str(docs_dir))
            args.append("--no-compile")
        try:
            result = self.invoke(args, target_path=None)
        except UsageError:
            return None
        if not (result.success and index.exists()):
            return None
        stamp.write_text(self.manifest_key)
        return index

    def run_operation(self, macro: str, args: dict[str, Any]) -> None:
        result = self.invoke(["run-operation", macro, "--args", json.dumps(args)])
        if not result.success:
            raise UsageError(f"dbt run-operation {macro} failed: {_first_line(result.exception)}")

    # ---- the invocation
    def invoke(self, args: list[str], manifest: Any = ..., target_path: Path | None = ...):
        """One dbt command in this process, on the session's manifest (or,
        with manifest=None, parsing); returns dbt's dbtRunnerResult."""
        from dbt.cli.main import dbtRunner

        if manifest is ...:
            manifest = self.manifest()
        if target_path is ...:
            target_path = self.artifacts / "target"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        command = [
            *args,
            "--project-dir",
            str(paths.PROJECT_ROOT),
            "--profiles-dir",
            str(paths.PROJECT_ROOT),
            "--log-path",
            str(self.artifacts / "logs"),
        ]
        if target_path is not None:
            command += ["--target-path", str(target_path)]
        if self.vars:
            command += ["--vars", json.dumps(self.vars, sort_keys=True)]
        if self.quiet:
            command = ["--quiet", *command]
        with _environment(self.engine.dbt_environment()), self.engine.writing():
            return dbtRunner(manifest=manifest).invoke(command)


def cache_dir() -> Path:
    """Where parsed manifests are kept: MPM_CACHE_DIR, default the project's .cache/."""
    value = os.environ.get("MPM_CACHE_DIR")
    root = Path(value).expanduser().resolve() if value else paths.PROJECT_ROOT / ".cache"
    return root / "dbt-manifests"


def manifest_key(engine: Engine, dbt_vars: dict[str, Any]) -> str:
    """A digest of everything that can change dbt's parse of the project."""
    from dbt.adapters import __about__ as adapters_about
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256()
    env_vars: set[str] = set()
    for path in _project_files():
        content = path.read_bytes()
        digest.update(str(path.relative_to(paths.PROJECT_ROOT)).encode() + b"\0" + content + b"\0")
        if path.suffix in (".sql", ".yml", ".yaml", ".py", ".md") and path.name != "profiles.yml":
            env_vars.update(_ENV_VAR.findall(content.decode("utf-8", "replace")))
    for name in sorted(env_vars - _PROFILE_ONLY):
        digest.update(f"env {name}={os.environ.get(name)}\0".encode())
    adapter_version = _adapter_version(engine.target)
    for part in (
        dbt_version,
        adapters_about.version,
        adapter_version,
        engine.target,
        engine.database,
        json.dumps(dbt_vars, sort_keys=True, default=str),
    ):
        digest.update(f"{part}\0".encode())
    return digest.hexdigest()[:32]


def _adapter_version(target: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(f"dbt-{target}")
    except PackageNotFoundError:
        return ""


def _project_files() -> list[Path]:
    root = paths.PROJECT_ROOT
    found = [root / name for name in _PROJECT_FILES if (root / name).is_file()]
    for folder in _PROJECT_DIRS:
        base = root / folder
        if base.is_dir():
            found += [p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sorted(found)


def _store(path: Path, data: bytes) -> None:
    """Write one cache entry atomically and keep the newest few."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    entries = sorted(path.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[_KEEP_MANIFESTS:]:
        old.unlink(missing_ok=True)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` (profiles.yml renders env_var() from it) and
    dbt's anonymous usage statistics off, restored afterwards; and the
    project root as working directory, as the dbt CLI would have it."""
    saved = {k: os.environ.get(k) for k in [*values, "DBT_SEND_ANONYMOUS_USAGE_STATS"]}
    os.environ.update(values)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    previous = os.getcwd()
    os.chdir(paths.PROJECT_ROOT)
    try:
        yield
    finally:
        os.chdir(previous)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class ParseError(UsageError):
    """dbt could not parse the project."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"dbt could not parse the project: {reason}")


def _first_line(exception: BaseException | None) -> str:
    """One line for an exception dbt returned: dbt's own errors by their
    message, anything else (an OSError from a full disk) with its type."""
    if exception is None:
        return ""
    lines = [line.strip() for line in str(exception).strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    # A compilation error's first line names the node ("Compilation Error in
    # model x (path)"); its reason is the next line (not the "> in macro" trace).
    if text.startswith("Compilation Error in") and len(lines) > 1 and lines[1][0] != ">":
        text = f"{text}: {lines[1]}"
    if type(exception).__module__.split(".")[0] in ("dbt", "dbt_common"):
        return text
    return f"{type(exception).__name__}: {text}"


def batch_boundaries(first: date, last: date, batch_days: int) -> list[str | None]:
    """The `as_of` day of each batch of a batched backfill: the day after
    every `batch_days` days from `first`, then None (the whole warehouse,
    which also picks up rows without a timestamp)."""
    if batch_days < 1:
        raise UsageError(f"--batch-days must be at least 1, not {batch_days}")
    bounds: list[str | None] = []
    as_of = first + timedelta(days=batch_days)
    while as_of <= last:
        bounds.append(as_of.isoformat())
        as_of += timedelta(days=batch_days)
    return [*bounds, None]


def interpret_run_results(run_results: dict) -> list[CheckResult]:
    results: list[CheckResult] = []
    for node in run_results.get("results", []):
        unique_id = node.get("unique_id", "")
        resource = unique_id.split(".")[0]
        status = node.get("status")
        name = unique_id.split(".")[-1] if resource != "test" else unique_id.split(".")[2]
        first_line = _cause(node.get("message") or "")
        if resource in ("model", "seed", "snapshot") and status == "error":
            raise UsageError(f"dbt model {name} failed: {first_line}")
        if resource == "model" and status == "skipped":
            # A failing test upstream stopped it: its metrics are missing
            # tonight, which fails the run rather than passing quietly.
            results.append(
                CheckResult(
                    check="dbt_model",
                    status=Status.BREACHED,
                    severity="error",
                    message=f"dbt model {name} was not built: an upstream test failed",
                    metric=name,
                )
            )
        if resource in ("test", "unit_test"):
            if status == "error":
                # The test's query did not run (an unreadable table, a
                # damaged file): the input's problem, never a breach.
                raise UsageError(f"dbt test {name} could not run: {first_line or status}")
            if status == "pass":
                results.append(_test_result(name, Status.PASSED, "error", "passed"))
            elif status == "fail":
                results.append(
                    _test_result(name, Status.BREACHED, "error", first_line or status, node)
                )
            elif status == "warn":
                results.append(_test_result(name, Status.BREACHED, "warn", first_line, node))
            elif status == "skipped":
                results.append(
                    _test_result(name, Status.NOT_EVALUATED, "error", "skipped: upstream failed")
                )
    return results


def _cause(message: str) -> str:
    """dbt's node message on one line, with its cause: `Runtime Error in
    model x (path)` is followed by the engine's own reason on the next line."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(")") and " Error in " in lines[0]:
        return f"{lines[0]}: {lines[1]}"
    return lines[0] if lines else ""


def _test_result(
    name: str, status: Status, severity: str, message: str, node: dict | None = None
) -> CheckResult:
    failures = (node or {}).get("failures")
    return CheckResult(
        check="dbt_test",
        status=status,
        severity=severity,
        message=f"dbt test {name}: {message}",
        metric=name,
        value=float(failures) if failures is not None else None,
    )


def cli_command(args: list[str]) -> list[str]:
    """dbt's own command line, for what must run it in another process
    (tests that kill a build midway, the benchmark)."""
    executable = Path(sys.executable).with_name("dbt")
    return [str(executable) if executable.exists() else "dbt", *args]


def cli_environment(engine: Engine, artifacts: Path) -> dict[str, str]:
    """The environment for cli_command against `engine`'s warehouse, with
    dbt's artifacts under `artifacts`."""
    artifacts.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        **engine.dbt_environment(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(artifacts / "target"),
        "DBT_LOG_PATH": str(artifacts / "logs"),
        "DBT_PROFILES_DIR": str(paths.PROJECT_ROOT),
        "DBT_PROJECT_DIR": str(paths.PROJECT_ROOT),
    }
