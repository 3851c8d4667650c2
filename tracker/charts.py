"""Pictures written to files: the CAAR over event time (matplotlib, an optional dependency).

Only :mod:`tracker.services` calls this; it draws what it is given and writes one file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tracker.errors import UsageError
from tracker.text import plural


def _literal(text: str) -> str:
    """Outside text (a vehicle's name) as matplotlib draws it literally: a ``$`` would start
    mathematics (and a malformed formula fails the whole figure)."""
    return text.replace("$", r"\$")

#: File suffixes a chart can be written as.
FORMATS = (".png", ".svg")


def caar(path: pl.DataFrame, by: str, title: str, target: Path, fmt: str) -> None:
    """Draw one line per class of ``by`` (``tau``, ``caar``; label with its events) and its
    band ``lo .. hi`` where there is one, to ``target`` as ``fmt`` (``png`` or ``svg``)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("plots need matplotlib: pip install 'china-space-tracker[plot]'") from None
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    try:
        for (cls,), part in path.sort(by, "tau").group_by(by, maintain_order=True):
            tau, level = part["tau"].to_numpy(), part["caar"].to_numpy() * 100
            n = int(part["n_events"].max() or 0)
            band = part.filter(pl.col("lo").is_not_null())
            label = _literal(f"{cls} ({plural(n, 'event')}{'' if band.height else ', no band'})")
            (line,) = ax.plot(tau, level, marker="o", markersize=3, label=label)
            if band.height:
                ax.fill_between(band["tau"].to_numpy(), band["lo"].to_numpy() * 100, band["hi"].to_numpy() * 100,
                                color=line.get_color(), alpha=0.18, linewidth=0)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.axvline(0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xlabel("sessions from t0")
        ax.set_ylabel("CAAR (%)")
        ax.set_title(_literal(title), fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(target, format=fmt)
    finally:
        plt.close(fig)
