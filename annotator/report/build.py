"""The project report: progress, agreement, suggestions and documents on one page."""

from __future__ import annotations

from annotator.report import charts
from annotator.report.collect import OUTCOMES, ReportData, progress, timeline
from annotator.report.page import (
    LEGEND,
    LOWEST,
    chart_figure,
    figure_box,
    generated_line,
    html_page,
    percent,
)
from annotator.report.render import document_block, esc

DEFAULT_DOCS = 50


def document_order(data: ReportData) -> list[str]:
    """Annotated documents, the least agreed first: multiply annotated ones by alpha
    (undefined alpha after), then the rest in id order."""
    rows = {row["doc_id"]: row for row in (data.agreement or {}).get("by_doc", [])}
    annotated = sorted(data.latest_by_document())

    def key(doc_id: str):
        row = rows.get(doc_id)
        if row is None or len(row["annotators"]) < 2:
            return (2, 0.0, doc_id)
        if row["alpha"] is None:
            return (1, 0.0, doc_id)
        return (0, row["alpha"], doc_id)

    return sorted(annotated, key=key)


def build_report(data: ReportData, docs: int = DEFAULT_DOCS) -> str:
    order = document_order(data)
    anchors = {doc_id: f"doc-{position + 1}" for position, doc_id in enumerate(order[:docs])}
    sections = [
        _progress_section(data),
        _agreement_section(data, anchors),
        _suggestions_section(data),
        _documents_section(data, order, anchors),
    ]
    nav = (
        '<nav><a href="#progress">Progress</a><a href="#agreement">Agreement</a>'
        '<a href="#suggestions">Suggestions</a><a href="#documents">Documents</a></nav>'
    )
    notes = "".join(f'<p class="note">{esc(note)}</p>' for note in data.notes)
    problems = ""
    if data.contents.problems:
        listed = "".join(f"<li>{esc(problem)}</li>" for problem in data.contents.problems[:20])
        problems = (
            f'<p class="note">{len(data.contents.problems)} bad journal line(s) were left out:</p><ul>{listed}</ul>'
        )
    body = f"{nav}<main>{notes}{problems}{''.join(sections)}</main>"
    return html_page("Annotation report", body, generated_line(data.inputs, len(order)))


def _progress_section(data: ReportData) -> str:
    rows = progress(data.contents)
    head = (
        '<table><thead><tr><th>annotator</th><th class="num">done</th><th class="num">in progress</th>'
        '<th class="num">skipped</th><th class="num">attributions</th></tr></thead><tbody>'
    )
    table = [head]
    for name, row in rows.items():
        gold = " (gold)" if row.get("gold") else ""
        table.append(
            f"<tr><td>{esc(name)}{gold}</td>"
            + "".join(f'<td class="num">{row.get(k, 0)}</td>' for k in ("done", "in_progress", "skipped", "attributions"))
            + "</tr>"
        )
    table.append("</tbody></table>")
    series, unit = timeline(data.saves)
    figures = [chart_figure(charts.progress_chart(rows), "Documents per annotator by the status of their latest save.")]
    if series:
        figures.append(
            chart_figure(
                charts.timeline_chart(series, unit),
                f"Saves per {esc(unit)}: every journal line is one saved decision (imports count once).",
            )
        )
    return (
        '<section id="progress"><h2>Progress</h2>'
        f"<div class=\"charts\"><div>{''.join(table)}</div>{''.join(figures)}</div></section>"
    )


def _agreement_section(data: ReportData, anchors: dict[str, str]) -> str:
    report = data.agreement
    if report is None:
        return '<section id="agreement"><h2>Agreement</h2><p class="note">No agreement: fewer than two annotators.</p></section>'
    relation = report["relation"]["f1"]
    boxes = [
        figure_box("alpha", "Krippendorff's alpha (token-wise)", report["alpha"]),
        figure_box("agr", "agr (content overlap)", report["agr"]),
        figure_box("relation-exact", "relation F1, exact", relation["exact"]),
        figure_box("relation-overlap", "relation F1, overlap", relation["overlap"]),
    ]
    roles = report["roles"]
    role_rows = "".join(
        f"<tr><td>{role}</td><td class=\"num\" id=\"alpha-{role}\" data-value=\"{_exact(block['alpha'])}\">"
        f"{percent(block['alpha'])}</td><td class=\"num\">{percent(block['f1']['exact'])}</td>"
        f"<td class=\"num\">{percent(block['f1']['overlap'])}</td></tr>"
        for role, block in roles.items()
    )
    role_table = (
        '<table><thead><tr><th>role</th><th class="num">alpha</th><th class="num">F1 exact</th>'
        f'<th class="num">F1 overlap</th></tr></thead><tbody>{role_rows}</tbody></table>'
    )
    names = report["annotators"]
    pair_alpha = {(p["a"], p["b"]): p["alpha"] for p in report["pairs"]}
    matrix = [
        [None if a == b else pair_alpha.get((a, b), pair_alpha.get((b, a))) for b in names] for a in names
    ]
    figures = [
        chart_figure(
            charts.role_alpha_chart({"all": report["alpha"], **{r: roles[r]["alpha"] for r in roles}}),
            "Alpha over all tokens, and per role (that role against everything else).",
        ),
        chart_figure(charts.heatmap_chart(names, matrix, "alpha"), "Token-wise alpha of every pair of annotators."),
    ]
    by_doc = [row for row in report.get("by_doc", []) if len(row["annotators"]) >= 2 and row["alpha"] is not None]
    if len(by_doc) >= 5:
        figures.append(
            chart_figure(charts.document_alpha_chart([row["alpha"] for row in by_doc]),
                         "How alpha varies between documents annotated by two or more annotators.")
        )
    lowest = sorted(by_doc, key=lambda row: (row["alpha"], row["doc_id"]))[:LOWEST]
    low_rows = "".join(
        f"<tr><td>{_doc_link(row['doc_id'], anchors)}</td><td class=\"num\">{len(row['annotators'])}</td>"
        f"<td class=\"num\">{percent(row['alpha'])}</td><td class=\"num\">{percent(row['agr'])}</td>"
        f"<td class=\"num\">{percent(row['f1']['relation']['overlap'])}</td></tr>"
        for row in lowest
    )
    pair_rows = "".join(
        f"<tr><td>{esc(p['a'])}</td><td>{esc(p['b'])}</td><td class=\"num\">{p['documents']}</td>"
        f"<td class=\"num\">{percent(p['alpha'])}</td><td class=\"num\">{percent(p['agr']['mean'])}</td>"
        f"<td class=\"num\">{percent(p['scores']['relation']['overlap']['f1'])}</td></tr>"
        for p in report["pairs"]
    )
    return (
        '<section id="agreement"><h2>Agreement</h2>'
        f"<p>{report['documents']} document(s), {report['units']} token(s), {len(names)} annotator(s). "
        "The same figures as <code>annotator agree --json</code>.</p>"
        f'<div class="figures">{"".join(boxes)}</div>{role_table}'
        f'<div class="charts">{"".join(figures)}</div>'
        f"<h3>Lowest agreement</h3><table><thead><tr><th>document</th><th class=\"num\">annotators</th>"
        f"<th class=\"num\">alpha</th><th class=\"num\">agr</th><th class=\"num\">relation F1 overlap</th>"
        f"</tr></thead><tbody>{low_rows}</tbody></table>"
        f"<details><summary>Every pair</summary><table><thead><tr><th>a</th><th>b</th><th class=\"num\">docs</th>"
        f"<th class=\"num\">alpha</th><th class=\"num\">agr</th><th class=\"num\">relation F1 overlap</th></tr></thead>"
        f"<tbody>{pair_rows}</tbody></table></details></section>"
    )


def _suggestions_section(data: ReportData) -> str:
    parts = ['<section id="suggestions"><h2>Suggestions</h2>']
    rows = {name: dict(counts) for name, counts in sorted(data.outcomes.items())}
    if rows and any(sum(r.values()) for r in rows.values()):
        head = "".join(f'<th class="num">{kind}</th>' for kind in OUTCOMES)
        body = "".join(
            f"<tr><td>{esc(name)}</td>" + "".join(f'<td class="num">{row.get(k, 0)}</td>' for k in OUTCOMES) + "</tr>"
            for name, row in rows.items()
        )
        parts.append(f"<table><thead><tr><th>suggester</th>{head}</tr></thead><tbody>{body}</tbody></table>")
        parts.append(
            chart_figure(
                charts.outcomes_chart(rows),
                "What annotators did with the suggestions: accepted as suggested, edited, rejected; "
                "added: attributions they made themselves (manual: made outside the app's suggestion flow).",
            )
        )
    else:
        parts.append('<p class="note">No suggestion outcomes in these journals.</p>')
    for name, report in data.evaluation.items():
        parts.append(_evaluation_table(name, report))
    if data.annotator_evaluation:
        parts.append(_annotators_against_gold(data.annotator_evaluation))
    parts.append("</section>")
    return "".join(parts)


def _evaluation_table(name: str, report: dict) -> str:
    rows = []
    for target, modes in report["scores"].items():
        for mode, block in modes.items():
            rows.append(
                f"<tr><td>{target}</td><td>{mode}</td><td class=\"num\">{percent(block['precision'])}</td>"
                f"<td class=\"num\">{percent(block['recall'])}</td>"
                f"<td class=\"num\" data-f1=\"{target}-{mode}\" data-value=\"{_exact(block['f1'])}\">{percent(block['f1'])}</td>"
                f"<td class=\"num\">{block['pred']}</td><td class=\"num\">{block['gold']}</td></tr>"
            )
    return (
        f"<h3>{esc(name)} against gold</h3><p>{report['documents']} gold document(s), "
        f"{report['documents_predicted']} with a suggestion; the figures of <code>annotator evaluate</code>.</p>"
        '<table class="evaluation"><thead><tr><th>target</th><th>match</th><th class="num">P</th>'
        '<th class="num">R</th><th class="num">F1</th><th class="num">suggested</th><th class="num">gold</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _annotators_against_gold(reports: dict[str, dict]) -> str:
    """Each annotator's F1 against gold per role (exact / overlap), as `annotator evaluate`
    scores that annotator's journal, next to the suggesters' figures above."""
    targets = ("source", "cue", "content", "relation")
    head = "".join(f'<th class="num">{target} F1 exact / overlap</th>' for target in targets)
    rows = []
    for name, report in reports.items():
        cells = []
        for target in targets:
            modes = report["scores"][target]
            cells.append(
                '<td class="num">'
                + " / ".join(
                    f'<span data-annotator-f1="{esc(name)}|{target}-{mode}" data-value="{_exact(modes[mode]["f1"])}">'
                    f"{percent(modes[mode]['f1'])}</span>"
                    for mode in ("exact", "overlap")
                )
                + "</td>"
            )
        rows.append(f"<tr><td>{esc(name)}</td><td class=\"num\">{report['documents_predicted']}</td>{''.join(cells)}</tr>")
    return (
        "<h3>Annotators against gold</h3><p>Each annotator's latest records scored against the gold file "
        "(the figures of <code>annotator evaluate JOURNAL GOLD</code>), next to the suggestions' above.</p>"
        f'<table class="evaluation"><thead><tr><th>annotator</th><th class="num">gold docs annotated</th>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _exact(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _doc_link(doc_id: str, anchors: dict[str, str]) -> str:
    anchor = anchors.get(doc_id)
    return f'<a href="#{anchor}">{esc(doc_id)}</a>' if anchor else esc(doc_id)


def _documents_section(data: ReportData, order: list[str], anchors: dict[str, str]) -> str:
    rows_by_doc = {row["doc_id"]: row for row in (data.agreement or {}).get("by_doc", [])}
    latest = data.latest_by_document()
    shown = [doc_id for doc_id in order if doc_id in anchors]
    rest = [doc_id for doc_id in order if doc_id not in anchors]

    def row_html(doc_id: str) -> str:
        row = rows_by_doc.get(doc_id, {})
        title = data.documents[doc_id].meta.title or ""
        return (
            f"<tr><td>{_doc_link(doc_id, anchors)}</td><td>{esc(title[:90])}</td>"
            f'<td class="num">{len(latest.get(doc_id, {}))}</td><td class="num">{percent(row.get("alpha"))}</td>'
            f'<td class="num">{percent(row.get("agr"))}</td></tr>'
        )

    head = (
        '<thead><tr><th>document</th><th>title</th><th class="num">annotators</th><th class="num">alpha</th>'
        '<th class="num">agr</th></tr></thead>'
    )
    parts = [
        '<section id="documents"><h2>Documents</h2>',
        f"<p>{len(shown)} document(s) rendered below, the least agreed first"
        + (f"; {len(rest)} more summarised in the table after them (raise --docs to render more)." if rest else ".")
        + "</p>",
        f'<table class="doclist">{head}<tbody>{"".join(row_html(d) for d in shown)}</tbody></table>',
        LEGEND,
    ]
    for doc_id in shown:
        parts.append(
            document_block(
                anchors[doc_id], data.documents[doc_id], data.models(doc_id), rows_by_doc.get(doc_id), data.tokens(doc_id)
            )
        )
    if rest:
        parts.append(
            f'<h3 id="summarised">Summarised ({len(rest)} document(s), not rendered)</h3>'
            f'<table class="doclist rest">{head}<tbody>{"".join(row_html(d) for d in rest)}</tbody></table>'
        )
    parts.append("</section>")
    return "".join(parts)
