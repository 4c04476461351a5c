"""The exact two-sided one-sample Kolmogorov survival function for small n,
as a table of polynomial pieces: seeds/ks_small_n_sf.csv.

Why: the contract's `ks_pvalue` is scipy's ks_2samp(..., method='asymp'),
i.e. `kstwo.sf(d, n)` at the rounded effective size n. The SQL macro
`ks_pvalue_asymp` evaluates the Pelz-Good series, which is an expansion in
1/sqrt(n): it is off by up to 0.027 (n = 3), by more than 1e-3 up to
n = 12, and needs n > N0 (below) to be within 2e-4 of scipy. SQL has no
loop for scipy's exact Durbin matrix recursion, but none is needed: for
an integer n, P(D_n >= d) is a polynomial in d of degree <= n on every
interval [j/(2n), (j+1)/(2n)] (Durbin's matrix entries are polynomials in
h = ceil(nd) - nd, with a kink where 2h - 1 changes sign). So each piece is stored once, in the
local variable u = 2nd - j in [0, 1], and the model evaluates it by Horner.

How: for every n <= N0 and every interval j = 1 .. 2n-1 (nd <= 1/2 is
p = 1, d >= 1 is p = 0), scipy's kstwo.sf is sampled at n + 7 Chebyshev
nodes of the interval (scipy is exact there, to ~1e-15, for n <= 140: the
Durbin/Pomeranz recursions, Ruben-Gambino's closed forms and 2*smirnov
where the two one-sided tails cannot both be crossed to 1e-14), fitted by a
degree-n Chebyshev series, converted to powers of u, and the trailing
powers dropped while their summed magnitude stays below 1e-13 (u <= 1, so
that bounds the change), and coefficients below 1e-15 (fitting noise
around an exact 0) written as 0. Every piece is then checked against
scipy at random points of its interval and the script fails above 1e-9
(the measured error is below 1e-13). The output is deterministic: same scipy, same
bytes.

N0 = 18, the smallest size above which the macro's Pelz-Good path is
within 2e-4 of scipy for every d (measured on a dense grid of d, every
attainable i/(2n) and random points, for each n up to 200 and every 25th
up to 2000): 2.2e-4 at n = 18, 2.0e-4 at n = 19, 4.1e-5 at n = 41, below
1e-5 from n = 77 and 1.3e-6 from n = 201; it is 0.027 at n = 3.

Run: `.venv/bin/python seeds/ks_small_n_sf.py` (writes the seed beside it);
`--measure` redoes the measurement that chose N0 (minutes: scipy is slow).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from numpy.polynomial import chebyshev, polynomial
from scipy.stats import kstwo

N0 = 18
DROP_BELOW = 1e-13
ZERO_BELOW = 1e-15
CHECK_TOLERANCE = 1e-9
SEED = Path(__file__).resolve().with_suffix(".csv")


def piece(n: int, j: int) -> np.ndarray:
    """Coefficients c_0..c_k of kstwo.sf(d, n) = sum c_i u^i on
    d = (j + u) / (2n), u in [0, 1]."""
    nodes = n + 7
    u = (1.0 - np.cos((2 * np.arange(nodes) + 1) * np.pi / (2 * nodes))) / 2.0
    values = kstwo.sf((j + u) / (2 * n), n)
    series = chebyshev.chebfit(2.0 * u - 1.0, values, n)
    # powers of s = 2u - 1, then substitute s = -1 + 2u
    in_s = chebyshev.cheb2poly(series)
    coefficients = polynomial.Polynomial(in_s)(polynomial.Polynomial([-1.0, 2.0])).coef
    keep = len(coefficients)
    while keep > 1 and np.abs(coefficients[keep - 1 :]).sum() < DROP_BELOW:
        keep -= 1
    coefficients = coefficients[:keep].copy()
    coefficients[np.abs(coefficients) < ZERO_BELOW] = 0.0
    return coefficients


def horner(coefficients: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The evaluation the SQL does (c_0 + u (c_1 + u (...)))."""
    out = np.zeros_like(u)
    for c in coefficients[::-1]:
        out = out * u + c
    return out


def table(n0: int = N0) -> list[tuple[int, int, np.ndarray]]:
    rows = []
    rng = np.random.default_rng(20261128)
    for n in range(1, n0 + 1):
        for j in range(1, 2 * n):
            coefficients = piece(n, j)
            u = np.concatenate([[0.0, 1.0], rng.uniform(0.0, 1.0, 40)])
            error = np.max(np.abs(horner(coefficients, u) - kstwo.sf((j + u) / (2 * n), n)))
            if error > CHECK_TOLERANCE:
                raise AssertionError(f"n={n} interval {j}: piece off by {error:.3g}")
            rows.append((n, j, coefficients))
    return rows


def write(rows: list[tuple[int, int, np.ndarray]], path: Path = SEED) -> int:
    """Write the seed; returns the number of coefficient columns."""
    width = max(len(c) for _, _, c in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["n", "interval_index"] + [f"c{i}" for i in range(width)])
        for n, j, coefficients in rows:
            padded = list(coefficients) + [0.0] * (width - len(coefficients))
            out.writerow([n, j] + [repr(float(c)) for c in padded])
    return width


def series_errors(sizes: list[int]) -> list[tuple[int, float, float]]:
    """(n, max |macro ks_pvalue_asymp - kstwo.sf|, the d where) per size, on
    300 z = sqrt(n) d up to sqrt(18.5), every i/(2n) (at most ~200 of them)
    and 200 random d, the macro rendered and run on DuckDB."""
    import duckdb
    import jinja2
    import pandas as pd

    macro = (paths.PROJECT_ROOT / "macros" / "drift" / "ks_pvalue_asymp.sql").read_text()
    module = jinja2.Environment(extensions=["jinja2.ext.do"]).from_string(macro).module
    expression = module.ks_pvalue_asymp("d", "n")
    con = duckdb.connect()
    out = []
    for n in sizes:
        d = np.concatenate(
            [
                np.linspace(0.005, 4.3, 300) / np.sqrt(n),
                (np.arange(1, 2 * n) / (2 * n))[:: max(1, n // 100)],
                np.random.default_rng(n).uniform(0, 1, 200),
            ]
        )
        d = np.unique(d[(d > 0) & (d < 1)])
        con.register("grid", pd.DataFrame({"n": float(n), "d": d}))
        got = con.execute(f"select {expression} as p from grid").df()["p"].to_numpy(float)
        error = np.abs(got - kstwo.sf(d, n))
        worst = int(np.argmax(error))
        out.append((n, float(error[worst]), float(d[worst])))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n0", type=int, default=N0)
    parser.add_argument("--out", type=Path, default=SEED)
    parser.add_argument(
        "--measure",
        action="store_true",
        help="print the series' error per n (1-200, every 25th to 2000) and the N0 it implies",
    )
    args = parser.parse_args(argv)
    if args.measure:
        errors = series_errors(list(range(1, 201)) + list(range(201, 2001, 25)))
        for n, error, d in errors:
            print(f"{n:5d} {error:.3g} at d = {d:.6g}")
        above = [n for n, error, _ in errors if error > 2e-4]
        print(f"N0 = {max(above, default=0)} (series within 2e-4 above it)")
        return 0
    rows = table(args.n0)
    width = write(rows, args.out)
    print(f"{args.out}: {len(rows)} pieces, {width} coefficients each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
