"""One self-contained HTML page: the report, a single document, an adjudication cluster.

Nothing is loaded from anywhere: styles are inline, charts inline SVG, no script at all,
and a Content-Security-Policy that forbids every fetch (default-src 'none') says so to
the browser too. Documents beyond ``docs`` (the least agreed first) are listed in a
table rather than rendered, so a project of 10,000 documents stays a page of a few MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from annotator.report.render import cluster_block, document_block, esc

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
LOWEST = 10  # documents named in the agreement section

STYLE = """
:root { --src: #0072B2; --cue: #E69F00; --cnt: #009E73; --src-bg: #d5e8f6; --cue-bg: #fde9c2;
  --cnt-bg: #d3efe4; --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d0d0d0; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
  margin: 0; line-height: 1.45; background: #fff; }
header.page { padding: 18px 32px 10px; border-bottom: 1px solid var(--rule); }
header.page h1 { margin: 0 0 4px; font-size: 1.6rem; }
header.page p { margin: 2px 0; color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
nav { padding: 8px 32px; border-bottom: 1px solid var(--rule); font-size: .95rem; }
nav a { margin-right: 18px; }
main { padding: 0 32px 40px; max-width: 1600px; }
h2 { margin-top: 28px; border-bottom: 2px solid var(--ink); padding-bottom: 3px; }
h3 { margin: 18px 0 2px; }
a { color: #0a58a6; }
.figures { display: flex; flex-wrap: wrap; gap: 14px; margin: 10px 0; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.figure .value { font-size: 1.7rem; font-weight: 700; }
.figure .name { color: var(--muted); font-size: .85rem; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 8px 0; }
figcaption { font-size: .85rem; color: var(--muted); max-width: 640px; }
svg.chart { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: .88rem; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: var(--muted); font-style: italic; }
.legend span { margin-right: 14px; }
.doc { border-top: 1px solid var(--rule); margin-top: 22px; padding-top: 4px; }
.facts { color: var(--muted); font-size: .88rem; margin: 2px 0 8px; overflow-wrap: anywhere; }
.versions { display: grid; gap: 14px; align-items: start; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); }
.versions.n1 { grid-template-columns: minmax(0, 1fr); }
.version { border: 1px solid var(--rule); border-radius: 6px; padding: 6px 10px; min-width: 0; }
.version h4 { margin: 2px 0 6px; }
.version .meta { font-weight: 400; color: var(--muted); font-size: .85rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .92rem; line-height: 1.7;
  unicode-bidi: plaintext; }
.versions.n1 .text { max-width: 60rem; }
.src { background: var(--src-bg); box-shadow: inset 0 -2px 0 var(--src); }
.cue { background: var(--cue-bg); box-shadow: inset 0 -2px 0 var(--cue); font-style: italic; }
.cnt { background: var(--cnt-bg); border-bottom: 1px dashed var(--cnt); }
.in-cnt { border-bottom: 1px dashed var(--cnt); }
.dis { text-decoration: underline wavy #c00000 1px; text-decoration-skip-ink: none; text-underline-offset: 4px; }
.tag { font-size: .62rem; font-weight: 700; vertical-align: super; line-height: 0; padding: 0 1px;
  font-style: normal; }
.t-src { color: var(--src); } .t-cue { color: #8a5a00; } .t-cnt { color: #006b4e; }
.join { color: var(--cnt); font-weight: 700; }
.attrs { list-style: none; padding: 0; margin: 10px 0 2px; font-size: .8rem; border-top: 1px solid var(--rule); }
.attrs li { padding: 4px 0; border-bottom: 1px solid var(--rule); overflow-wrap: break-word; }
.attrs .head { display: block; color: var(--muted); }
.attrs .row { display: block; }
.attrs .entity { font-weight: 700; color: var(--ink); }
.attrs .role { display: inline-block; width: 1.3em; font-weight: 700; color: var(--muted); }
.top { font-size: .8rem; }
.empty { color: var(--muted); }
@media print { nav, .top { display: none; } .doc { break-inside: avoid-page; } a { color: inherit; } }
"""

LEGEND = (
    '<p class="legend"><span class="src">SOURCE</span> <span class="cue">CUE</span> '
    '<span class="cnt">CONTENT</span> <span class="dis">where annotators differ</span> '
    '<span class="note">Tags S3, Q3, C3 tie the source, cue and content of attribution 3; '
    "…C3 continues a discontinuous content.</span></p>"
)


def html_page(title: str, body: str, subtitle: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f'<header class="page"><h1>{esc(title)}</h1>{subtitle}</header>'
        f"{body}</body></html>\n"
    )


def percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def figure_box(ident: str, name: str, value: float | None) -> str:
    exact = "" if value is None else repr(float(value))
    return (
        f'<div class="figure"><div class="value" id="{ident}" data-value="{exact}" title="{exact}">'
        f'{percent(value)}</div><div class="name">{name}</div></div>'
    )


def chart_figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def generated_line(inputs: Sequence[str], documents: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<p>Generated {when} by annotator from {esc(', '.join(inputs))}; "
        f"{documents} document(s) annotated.</p>"
    )


def document_page(document, records, figures=None) -> str:
    """``annotator show``: one document, every annotator's version side by side."""
    body = f"<main>{LEGEND}{document_block('doc-1', document, records, figures)}</main>"
    body = body.replace('<p class="top"><a href="#documents">↑ document list</a></p>', "")
    return html_page(f"Document {document.id}", body)


def cluster_page(document, cluster, differences) -> str:
    """The adjudication screen's current cluster, for a guideline discussion."""
    body = f"<main>{LEGEND}{cluster_block(document, cluster, differences)}</main>"
    return html_page(f"Disagreement in {document.id}", body)
