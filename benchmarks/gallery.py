"""The figure gallery: run claims and save each one's figure as PNG, PDF and SVG, to look at.

    python benchmarks/gallery.py [--quick] [--out DIR] [CLAIM|PAPER ...]   # run, then draw
    python benchmarks/gallery.py --records DIR [--out DIR] [CLAIM|PAPER ...]  # redraw saved records

Without selectors every claim is run.  Each claim's record is kept as ``DIR/<claim>.json`` next
to its figures, so ``--records DIR`` redraws them after a change to the renderer or the series
code without running the checks again.  Prints one line per claim: verdict, seconds, files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bnproof.claims import resolve, run_claim
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.report import save_figure
from bnproof.report.figure_data import figure_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", nargs="*", help="claim ids or paper keys (none: every claim)")
    parser.add_argument("--quick", action="store_true", help="short runs (the claims' --quick)")
    parser.add_argument("--out", type=Path, default=Path("gallery"), help="output directory (default: gallery)")
    parser.add_argument("--records", type=Path, help="redraw the records saved in this directory instead of running")
    parser.add_argument("--formats", default="png,pdf,svg", help="comma-separated (default: png,pdf,svg)")
    args = parser.parse_args(argv)
    formats = tuple(f for f in args.formats.split(",") if f)
    try:
        claims = resolve(args.claims, all_claims=not args.claims)
    except BadInput as exc:
        print(f"gallery: error: {exc}", file=sys.stderr)
        return 2
    for claim in claims:
        t0 = time.perf_counter()
        record = _load(args.records, claim.id) if args.records else run_claim(claim, RunConfig(quick=args.quick))
        if record is None:
            print(f"{claim.id:42s} no saved record")
            continue
        stem = figure_name(claim.id)[: -len(".png")]
        args.out.mkdir(parents=True, exist_ok=True)
        if not args.records:
            (args.out / f"{stem}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        paths = save_figure(record, args.out, stem=stem, formats=formats)
        files = ", ".join(str(p) for p in paths.values()) or "no figure"
        print(f"{claim.id:42s} {record.get('verdict', '?'):12s} {time.perf_counter() - t0:6.1f}s  {files}", flush=True)
    return 0


def _load(directory: Path, claim_id: str) -> dict | None:
    path = directory / (figure_name(claim_id)[: -len(".png")] + ".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
