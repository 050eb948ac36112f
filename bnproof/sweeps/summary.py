"""What a sweep's table says: per grid cell counts, verified rate and metric quantiles; one population verdict.

The population verdict reads "the claim holds on every instance drawn": verified only when
every task is verified; refuted on any refutation, naming each refuting seed with the exact
``bnproof check`` command that reproduces it; otherwise inconclusive (or inapplicable when
every instance violates an assumption).  Inconclusive tasks are counted, never folded into
"verified".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bnproof.analysis.stats import wilson_interval
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERDICTS, VERIFIED

__all__ = ["QUANTILES", "metric_column", "param_columns", "population_verdict", "summarise"]

QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}


def param_columns(table) -> list[str]:
    """The ``param.<name>`` columns, in table order (the grid cell of a row is its values here)."""
    return [c for c in table.columns if c.startswith("param.")]


def metric_column(metric: str) -> str:
    """``k`` or ``measured.k`` -> ``measured.k``."""
    return metric if metric.startswith("measured.") else f"measured.{metric}"


def _cell_summary(rows, metrics: Sequence[str]) -> dict[str, Any]:
    import pandas as pd

    counts = rows["verdict"].value_counts()
    n = len(rows)
    out: dict[str, Any] = {"n": n, **{v: int(counts.get(v, 0)) for v in VERDICTS}}
    lo, hi = wilson_interval(out[VERIFIED], n) if n else (float("nan"), float("nan"))
    out.update(verified_rate=out[VERIFIED] / n if n else float("nan"), wilson_lo=lo, wilson_hi=hi)
    for metric in metrics:
        column = metric_column(metric)
        values = pd.to_numeric(rows[column], errors="coerce").dropna() if column in rows else pd.Series(dtype=float)
        name = column.removeprefix("measured.")
        for label, q in QUANTILES.items():
            out[f"{name}.{label}"] = float(values.quantile(q)) if len(values) else float("nan")
    return out


def summarise(table, metrics: Sequence[str] = ()):
    """Per grid cell (the distinct ``param.*`` values): n, a count per verdict, the verified rate with
    its Wilson 95 % interval, and the q05/q50/q95 quantiles of each metric (NaN where it is absent)."""
    import pandas as pd

    keys = param_columns(table)
    if not keys:
        return pd.DataFrame([_cell_summary(table, metrics)])
    rows = []
    for values, group in table.groupby(keys, sort=False, dropna=False):
        values = values if isinstance(values, tuple) else (values,)
        rows.append({**dict(zip(keys, values)), **_cell_summary(group, metrics)})
    return pd.DataFrame(rows)


def population_verdict(table) -> dict[str, Any]:
    """{verdict, reason, counts, refuting: [{seed, params, command}]} of "holds on every instance drawn"."""
    counts = {v: int((table["verdict"] == v).sum()) for v in VERDICTS} if len(table) else dict.fromkeys(VERDICTS, 0)
    n = sum(counts.values())
    refuting = [{"seed": int(row["seed"]),
                 "params": {c.removeprefix("param."): row[c] for c in param_columns(table) if _present(row[c])},
                 "command": row.get("command", "")}
                for _, row in table[table["verdict"] == REFUTED].iterrows()] if n else []
    if n == 0:
        verdict, reason = INCONCLUSIVE, "no task has finished: nothing was drawn"
    elif counts[REFUTED]:
        distinct = sorted({r["seed"] for r in refuting})
        seeds = ", ".join(map(str, distinct[:10])) + (", …" if len(distinct) > 10 else "")
        cells = len({tuple(sorted(r["params"].items())) for r in refuting})
        where = f" in {cells} grid cells" if cells > 1 else ""
        verdict, reason = REFUTED, f"refuted on {counts[REFUTED]} of {n} instances (seeds {seeds}{where})"
    elif counts[VERIFIED] == n:
        lo, _ = wilson_interval(n, n)
        verdict, reason = VERIFIED, (f"verified on all {n} instances drawn (verified rate 1, "
                                     f"Wilson 95 % lower bound {lo:.4f})")
    elif counts[INAPPLICABLE] == n:
        verdict, reason = INAPPLICABLE, f"every one of the {n} instances violates an assumption of the claim"
    else:
        others = ", ".join(f"{counts[v]} {v}" for v in (INCONCLUSIVE, INAPPLICABLE) if counts[v])
        verdict, reason = INCONCLUSIVE, (f"{counts[VERIFIED]} of {n} instances verified, none refuted; {others} "
                                         "(not counted as verified)")
    return {"verdict": verdict, "reason": reason, "counts": {"total": n, **counts}, "refuting": refuting}


def _present(value: Any) -> bool:
    import pandas as pd

    return not (value is None or (not isinstance(value, str) and pd.isna(value)))
