"""Great Expectations' Data Docs, readable anywhere: with the network off, as
many warehouse networks are.

GE writes pages that load bootstrap, jQuery, bootstrap-table, Font Awesome,
Vega and its logos from public CDNs; offline, the index shows no validation
at all (its table is drawn by bootstrap-table) and every page is unstyled.
`make_offline` copies the same files, vendored from the npm registry at the
exact versions GE asks for (vendor/data_docs/, with their licences), into
<data docs>/static/vendor/ and points every page at them. The list of
assets, their CDN addresses and their package files is declared once, in
vendor/data_docs/assets.json, which `make vendor-data-docs` (`python -m
python_checks.report.data_docs vendor`) also downloads from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import cache
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor" / "data_docs"
MANIFEST = VENDOR / "assets.json"
# Where the assets go inside a Data Docs site.
SITE_VENDOR = Path("static") / "vendor"
_LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE")
# GE's own relative links to its static folder, which it miscounts on pages
# whose suite name holds a '.' (one folder deeper than it thinks).
_STATIC = re.compile(r"""(["'])(?:\./|(?:\.\./)+)static/""")
# Subresource-integrity and CORS attributes of the CDN tags: over file:// a
# crossorigin script is a cross-origin request the browser refuses.
_CDN_ATTRIBUTES = re.compile(r"""\s(?:integrity|crossorigin)(?:=(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


@cache
def _manifest() -> dict:
    return json.loads(MANIFEST.read_text())


def _replacements(page: Path, site: Path) -> list[tuple[re.Pattern, str]]:
    """(CDN address pattern, the local file relative to `page`)."""
    to_root = os.path.relpath(site, page.parent).replace(os.sep, "/")
    out = []
    for asset in _manifest()["assets"]:
        if "url" in asset:
            local = f"{to_root}/{SITE_VENDOR.as_posix()}/{asset['file']}"
            # The whole address, up to the quote that ends it.
            out.append((re.compile(re.escape(asset["url"]) + r"(?=[\"'])"), local))
    for item in _manifest()["docs_files"]:
        local = f"{to_root}/{item['file']}"
        out.append((re.compile(re.escape(item["url_prefix"]) + r"[^\"']*"), local))
    return out


def make_offline(site: Path) -> int:
    """Copy the vendored assets into the Data Docs site at `site` and point
    every page at them; returns the number of pages rewritten."""
    target = site / SITE_VENDOR
    for asset in _manifest()["assets"]:
        destination = target / asset["file"]
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(VENDOR / asset["file"], destination)
    rewritten = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        changed = text
        for pattern, local in _replacements(page, site):
            changed = pattern.sub(local, changed)
        changed = _CDN_ATTRIBUTES.sub("", changed)
        to_root = os.path.relpath(site, page.parent).replace(os.sep, "/")
        changed = _STATIC.sub(rf"\g<1>{to_root}/static/", changed)
        if changed != text:
            page.write_text(changed, encoding="utf-8")
            rewritten += 1
    return rewritten


def vendor(folder: Path = VENDOR) -> None:
    """Download every asset of assets.json from the npm registry (`npm
    pack`, exact versions) into `folder`, each package's licence beside its
    files (from package.json where the tarball has no licence file)."""
    with tempfile.TemporaryDirectory() as work:
        unpacked: dict[str, Path] = {}
        for asset in _manifest()["assets"]:
            package = asset["package"]
            if package not in unpacked:
                done = subprocess.run(
                    ["npm", "pack", "--silent", package],
                    cwd=work,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                root = Path(work) / package.replace("/", "_")
                with tarfile.open(Path(work) / done.stdout.strip().splitlines()[-1]) as tar:
                    tar.extractall(root, filter="data")
                unpacked[package] = root / "package"
                _licence(unpacked[package], folder / asset["file"].split("/")[0], package)
            destination = folder / asset["file"]
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked[package] / asset["from"], destination)


def _licence(package_root: Path, folder: Path, package: str) -> None:
    """The package's licence file; without one, a licence written by hand
    (popper.js, vega) is kept, else a note of what package.json declares."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in _LICENSE_NAMES:
        if (package_root / name).exists():
            shutil.copyfile(package_root / name, folder / "LICENSE")
            return
    if (folder / "LICENSE").exists():
        return
    declared = json.loads((package_root / "package.json").read_text()).get("license", "unknown")
    (folder / "LICENSE").write_text(
        f"{package}: the npm package ships no licence file; its package.json declares "
        f"the licence {declared}.\n"
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["vendor"]:
        raise SystemExit("usage: python -m python_checks.report.data_docs vendor")
    vendor()
