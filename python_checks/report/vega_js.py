"""The Vega runtime, inlined once into every report so it opens offline.

The charts are written with Altair (Vega-Lite) and compiled to Vega specs in
Python by vl-convert, so the page needs only Vega's parser and view: not
Vega-Lite's compiler, not vega-embed. That keeps the report near 0.6 MB.
The runtime is Vega's own minified UMD build (BSD-3-Clause, LICENSE beside
it), vendored from the npm registry by `make vendor-vega` at the exact
version vl-convert compiles for, and committed: a run needs no network and
no npm.
"""

from __future__ import annotations

import functools
from pathlib import Path

import vl_convert

VENDOR = Path(__file__).resolve().parent / "vendor"
RUNTIME = VENDOR / "vega.min.js"
VERSION_FILE = VENDOR / "VERSION"


def vega_version() -> str:
    return VERSION_FILE.read_text().strip()


def check_version() -> None:
    """The vendored runtime must match the Vega that vl-convert compiles to."""
    wanted = vl_convert.get_vega_version()
    have = vega_version()
    if have.split(".")[0] != wanted.split(".")[0]:
        raise RuntimeError(
            f"vendored Vega {have} does not match vl-convert's Vega {wanted}: "
            f"run `make vendor-vega VEGA_VERSION={wanted}`"
        )


@functools.cache
def vega_bundle() -> str:
    """Minified Vega runtime that defines `window.vega`."""
    check_version()
    bundle = RUNTIME.read_text(encoding="utf-8")
    # It goes inside a <script> element: it must not close it.
    return bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
