"""Charts as inline SVG, drawn by matplotlib (Agg, SVG backend).

Why matplotlib: it is the best-kept plotting library in Python, needs no browser or
JavaScript, and writes SVG with no external reference, so a page works offline, under
a Content-Security-Policy with no script, and in print. Text stays text
(``svg.fonttype = none``, in the browser's generic sans-serif) so charts are small
and searchable. Colours: Okabe-Ito for roles and categories, cividis for the heatmap;
nothing is told by colour alone (bars carry numbers and hatching, heatmap cells their
value, lines their own markers and dashes).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
ROLE_COLOURS = {"source": "#0072B2", "cue": "#E69F00", "content": "#009E73", "all": "#555555"}
HATCHES = ("", "///", "..", "xx", "\\\\", "++", "oo", "--")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DASHES = ("-", "--", "-.", ":")

_PRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def label(value: object, limit: int = 28) -> str:
    """Untrusted text (names, ids) as a chart label: one line, no control characters."""
    text = _PRINTABLE.sub("\ufffd", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",  # text as <text>, set in the page's sans-serif
            "font.family": "sans-serif",
            "font.size": 10,
            "text.parse_math": False,  # a '$' in a name is a dollar sign, not TeX
            "axes.spines.top": False,
            "axes.spines.right": False,
            "hatch.linewidth": 0.6,
        }
    )
    return plt


def to_svg(figure, name: str, title: str) -> str:
    """The figure as an inline <svg> element (no XML prolog), labelled for screen readers."""
    plt = _pyplot()
    plt.rcParams["svg.hashsalt"] = name  # stable ids, distinct between charts of one page
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # The RDF metadata block only names vocabularies by URL: not needed in a page.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    from annotator.report.render import esc

    return svg.replace(
        "<svg ", f'<svg class="chart" data-chart="{name}" role="img" aria-label="{esc(title)}" ', 1
    )


def _integer_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _bar_numbers(ax, bars, values, fmt="{:.0f}", inside=True) -> None:
    for bar, value in zip(bars, values):
        if not value:
            continue
        x = bar.get_x() + bar.get_width() / 2
        y = bar.get_y() + bar.get_height() / 2
        ax.text(x, y, fmt.format(value), ha="center", va="center", fontsize=8, color="black",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})


def progress_chart(rows: dict[str, dict[str, int]]) -> str:
    """Documents per annotator by status: stacked horizontal bars, hatched, numbered."""
    plt = _pyplot()
    names = list(rows)
    statuses = ("done", "in_progress", "skipped")
    figure, ax = plt.subplots(figsize=(5.6, 0.36 * len(names) + 1.2))
    left = [0] * len(names)
    for index, status in enumerate(statuses):
        values = [rows[name].get(status, 0) for name in names]
        bars = ax.barh(
            [label(n) for n in names], values, left=left, color=("#009E73", "#E69F00", "#BBBBBB")[index],
            hatch=("", "///", "..")[index], edgecolor="white", label=status.replace("_", " "),
        )
        _bar_numbers(ax, bars, values)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.set_xlabel("documents")
    ax.set_xlim(left=0)
    ax.xaxis.set_major_locator(_integer_ticks())
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    return to_svg(figure, "progress", "Documents per annotator by status")


def timeline_chart(series: dict[str, dict[str, int]], unit: str) -> str:
    """Decisions (journal lines) per day or hour, one line per annotator."""
    plt = _pyplot()
    periods = sorted({period for counts in series.values() for period in counts})
    figure, ax = plt.subplots(figsize=(6.4, 2.8))
    positions = range(len(periods))
    for index, (name, counts) in enumerate(series.items()):
        ax.plot(
            list(positions), [counts.get(p, 0) for p in periods], label=label(name),
            color=OKABE_ITO[index % len(OKABE_ITO)], marker=MARKERS[index % len(MARKERS)],
            linestyle=DASHES[index % len(DASHES)], linewidth=1.4, markersize=5,
        )
    step = max(1, len(periods) // 12)
    ax.set_xticks(list(positions)[::step], [p for p in periods][::step], rotation=30, ha="right")
    ax.set_ylabel(f"saves per {unit}")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(_integer_ticks())
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return to_svg(figure, "timeline", f"Saved decisions per {unit} and annotator")


def role_alpha_chart(values: dict[str, float | None]) -> str:
    """Overall and per-role alpha as labelled bars in the role colours."""
    plt = _pyplot()
    names = list(values)
    shown = [100 * (values[n] or 0.0) for n in names]
    figure, ax = plt.subplots(figsize=(5.2, 2.3))
    bars = ax.barh(
        names, shown, color=[ROLE_COLOURS.get(n, "#555555") for n in names],
        hatch=[HATCHES[i % len(HATCHES)] for i in range(len(names))], edgecolor="white",
    )
    for bar, name in zip(bars, names):
        value = values[name]
        text = "–" if value is None else f"{100 * value:.1f}%"
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("Krippendorff's alpha (%)")
    return to_svg(figure, "role-alpha", "Krippendorff's alpha overall and per role")


def heatmap_chart(names: Sequence[str], matrix: Sequence[Sequence[float | None]], what: str) -> str:
    """Pairwise figures between annotators, cividis, each cell printed."""
    import numpy as np

    plt = _pyplot()
    data = np.array([[np.nan if v is None else 100 * v for v in row] for row in matrix], dtype=float)
    size = max(3.2, 0.55 * len(names) + 1.5)
    figure, ax = plt.subplots(figsize=(size + 1.0, size))
    finite = data[np.isfinite(data)]
    low = float(finite.min()) if finite.size else 0.0
    image = ax.imshow(np.ma.masked_invalid(data), cmap="cividis", vmin=min(low, 100.0) - 1, vmax=100)
    ticks = [label(n, 16) for n in names]
    ax.set_xticks(range(len(names)), ticks, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), ticks)
    ax.spines[:].set_visible(False)
    middle = (low + 100) / 2
    for i in range(len(names)):
        for j in range(len(names)):
            if np.isfinite(data[i, j]):
                ax.text(j, i, f"{data[i, j]:.1f}", ha="center", va="center", fontsize=8,
                        color="black" if data[i, j] >= middle else "white")
    colorbar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colorbar.set_label(f"{what} (%)")
    return to_svg(figure, "pairwise", f"Pairwise {what} between annotators")


def outcomes_chart(rows: dict[str, dict[str, int]]) -> str:
    """Suggestion outcomes per suggester: stacked bars, Okabe-Ito and hatching, numbered."""
    plt = _pyplot()
    names = list(rows)
    kinds = ("accepted", "edited", "rejected", "added", "manual")
    colours = ("#009E73", "#56B4E9", "#D55E00", "#CC79A7", "#BBBBBB")
    figure, ax = plt.subplots(figsize=(6.4, 0.4 * len(names) + 1.2))
    left = [0] * len(names)
    for index, kind in enumerate(kinds):
        values = [rows[name].get(kind, 0) for name in names]
        bars = ax.barh([label(n, 32) for n in names], values, left=left, color=colours[index],
                       hatch=HATCHES[index], edgecolor="white", label=kind)
        _bar_numbers(ax, bars, values)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.set_xlabel("attributions")
    ax.set_xlim(left=0)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, frameon=False)
    return to_svg(figure, "outcomes", "Suggestion outcomes per suggester")


def document_alpha_chart(values: Sequence[float]) -> str:
    """How per-document alpha is spread: a histogram."""
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(6.0, 2.6))
    ax.hist([100 * v for v in values], bins=20, range=(min(0.0, 100 * min(values)), 100), color="#56B4E9",
            edgecolor="#0072B2", hatch="//")
    ax.set_xlabel("alpha per document (%)")
    ax.set_ylabel("documents")
    return to_svg(figure, "doc-alpha", "Distribution of per-document alpha")
