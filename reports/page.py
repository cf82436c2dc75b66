"""The report page: one self-contained HTML file (inline CSS, MathML, inline SVG; no script, no network)."""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from reports import figures
from reports.annotate import Restore, annotated, source_text
from reports.citation import bibtex, load_cff
from reports.format import number
from reports.ledger import Ledger
from reports.mathml import from_latex, prose_html
from reports.plugin import outcome_mark

VERDICT_ORDER = ("supported", "refuted", "conditional", "inconclusive", "not-checkable", "pending")
CSS = (Path(__file__).resolve().parent / "page.css").read_text(encoding="utf-8")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
EVIDENCE_DIGITS = 4  # significant digits of a measured value in the evidence tables


def badge(verdict: str | None) -> str:
    if verdict is None:
        return '<span class="muted">—</span>'
    return f'<span class="badge verdict-{verdict}">{html.escape(verdict)}</span>'


def reproduced_cell(claim: dict) -> str:
    mark = outcome_mark(claim)
    css = {"yes": "good", "NOT REPRODUCED": "bad"}.get(mark, "muted")
    return f'<span class="{css}">{html.escape(mark)}</span>'


def value_html(value) -> str:
    """Evidence values: LaTeX-looking strings as MathML, lists of dicts as tables, the rest as text."""
    if isinstance(value, str) and "\\" in value and len(value) < 2000:
        return from_latex(value, display="inline")
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return table_html(value)
    if isinstance(value, dict):
        return "<br>".join(f"<b>{html.escape(str(k))}</b>: {value_html(v)}" for k, v in value.items())
    if isinstance(value, list):  # intervals and short series as [a, b], long ones cut
        cut = len(value) > 12
        shown = ", ".join(value_html(v) for v in (value[:6] if cut else value))
        return f"[{shown}, … {len(value) - 6} more]" if cut else f"[{shown}]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return html.escape(number(value, EVIDENCE_DIGITS))
    return html.escape(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def table_html(rows: list[dict]) -> str:
    rows = [flatten(r) for r in rows]  # a dict-valued column (one value per depth, say) becomes columns
    columns = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{value_html(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def flatten(item: dict, prefix: str = "") -> dict:
    """One level of nesting folded into dotted keys: {"example": {"x": 0}} -> {"example.x": 0}."""
    out = {}
    for key, value in item.items():
        if isinstance(value, dict) and not prefix:
            out.update(flatten(value, f"{key}."))
        else:
            out[prefix + key] = value
    return out


def evidence_html(items: list[dict]) -> str:
    """Consecutive items of the same kind and fields become one table, one row each."""
    groups: list[tuple[str, list[dict]]] = []
    for item in items:
        if item["kind"] == "figure":  # the data behind a drawn figure; the figure shows it
            continue
        row = flatten({"what": item.get("label", ""), **{k: v for k, v in item.items() if k not in ("kind", "label")}})
        if groups and groups[-1][0] == item["kind"] and list(groups[-1][1][0]) == list(row):
            groups[-1][1].append(row)
        else:
            groups.append((item["kind"], [row]))
    parts = []
    for kind, rows in groups:
        if len(rows) == 1 and any(isinstance(v, list) and v and isinstance(v[0], dict) for v in rows[0].values()):
            row = rows[0]
            nested = {k: v for k, v in row.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
            plain = {k: v for k, v in row.items() if k not in nested and k != "what"}
            parts.append(
                f'<p class="evidence"><b>{kind}</b>: {html.escape(str(row["what"]))}</p>'
                + (table_html([plain]) if plain else "")
                + "".join(value_html(v) for v in nested.values())
            )
        else:
            parts.append(f'<p class="evidence"><b>{kind}</b></p>{table_html(rows)}')
    return "".join(parts) or '<p class="muted">No evidence recorded.</p>'


def tests_html(tests: list[dict]) -> str:
    rows = [
        {
            "test": t["nodeid"].split("::", 1)[-1],
            "outcome": t["outcome"],
            "examples": t.get("examples") if t.get("examples") is not None else "—",
            "seconds": t["duration_s"],
        }
        for t in tests
    ]
    return table_html(rows) if rows else '<p class="muted">No test ran for this claim.</p>'


def summary_html(results: dict) -> str:
    claims = results["claims"]
    prov = results["provenance"]
    counts = {kind: Counter(c["verdict"][kind] for c in claims) for kind in ("math", "float")}
    rows = "".join(
        f"<tr><th>{v}</th><td>{counts['math'].get(v, 0)}</td><td>{counts['float'].get(v, 0)}</td></tr>"
        for v in VERDICT_ORDER
    )
    marks = Counter(outcome_mark(c) for c in claims)
    status = (
        '<span class="good">every checked claim reproduced</span>'
        if marks.get("NOT REPRODUCED", 0) == 0 and marks.get("not run", 0) == 0
        else f'<span class="bad">{marks.get("NOT REPRODUCED", 0)} not reproduced, '
        f"{marks.get('not run', 0)} not run</span>"
    )
    commit = (prov.get("git_commit") or "unknown")[:12] + (" (dirty)" if prov.get("git_dirty") else "")
    return (
        f"<p>{status}. Profile <code>{html.escape(str(prov.get('hypothesis_profile')))}</code>, run started "
        f"{html.escape(str(prov.get('started')))}, commit <code>{html.escape(commit)}</code>, torch "
        f"{html.escape(str(prov['packages'].get('torch')))}.</p>"
        f"<table><thead><tr><th>verdict</th><th>math</th><th>float</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def ledger_table(results: dict) -> str:
    rows = []
    for c in results["claims"]:
        rows.append(
            f'<tr><td><a href="#{c["id"]}">{c["id"]}</a></td><td>{html.escape(c["quote"])}</td>'
            f"<td>{badge(c['verdict']['math'])}</td><td>{badge(c['verdict']['float'])}</td>"
            f"<td>{prose_html(c['correction'] or '')}</td><td>{reproduced_cell(c)}</td></tr>"
        )
    return (
        '<table id="ledger"><thead><tr><th>id</th><th>quote</th><th>math</th><th>float</th><th>correction</th>'
        f"<th>reproduced</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def claim_section(c: dict, ledger: Ledger, figure: str | None) -> str:
    entry = ledger[c["id"]]
    parts = [
        f'<section class="claim" id="{c["id"]}"><h3>{c["id"]} {badge(c["verdict"]["math"])} math · '
        f"{badge(c['verdict']['float'])} float · reproduced: {reproduced_cell(c)}</h3>",
        f"<blockquote>{html.escape(c['quote'])}</blockquote>",
    ]
    if entry.reconstructed:
        parts.append(f'<p class="muted"><b>Reconstructed:</b> {html.escape(entry.reconstructed)}</p>')
    parts.append(f"<p><b>Formal statement</b></p>{from_latex(c['statement'])}")
    if c.get("finding"):
        parts.append(f'<p class="finding"><b>Finding:</b> {prose_html(c["finding"])}</p>')
    if c["correction"]:
        parts.append(f"<p><b>Corrected claim</b> (itself tested): {prose_html(c['correction'])}</p>")
    if c.get("reason"):
        parts.append(f"<p><b>Why:</b> {prose_html(c['reason'])}</p>")
    for problem in c.get("problems", []):
        parts.append(f'<p class="bad"><b>Not reproduced:</b> {html.escape(problem)}</p>')
    if figure:
        parts.append(f'<div class="figure">{figure}</div>')
    parts.append(f"<details open><summary><b>Evidence</b></summary>{evidence_html(c['evidence'])}</details>")
    parts.append(f"<details><summary><b>Tests run</b> ({len(c['tests'])})</summary>{tests_html(c['tests'])}</details>")
    parts.append("</section>")
    return "".join(parts)


def _evidence(results: dict, cid: str, kind: str, label_start: str = "") -> dict | None:
    claim = next((c for c in results["claims"] if c["id"] == cid), None)
    for item in claim["evidence"] if claim else []:
        if item["kind"] == kind and item.get("label", "").startswith(label_start):
            return item
    return None


def claim_figures(results: dict) -> dict[str, str]:
    """The figures, keyed by the claim they illustrate (each drawn only if its evidence exists)."""
    ranges = _evidence(results, "S01", "table", "exact inf and sup")
    out = {"S01": figures.activation_panels({r["activation"]: r for r in ranges["rows"]} if ranges else {})}
    if (table := _evidence(results, "S05", "table")) is not None:
        out["S05"] = figures.decay_with_depth(table)
    if (table := _evidence(results, "S06", "table")) is not None:
        out["S06"] = figures.zero_depths(table)
    if (table := _evidence(results, "S11", "table")) is not None:
        out["S11"] = figures.dead_relu_traces(table, _evidence(results, "S11", "counterexample"))
    out.update(literature_figures(results))
    if (run := _evidence(results, "S19", "figure")) is not None:
        out["S19"] = (
            figures.learning_curves(run["curves"]) + "<p><b>The pre-registered protocol</b>, verbatim:</p>"
            f"<pre>{html.escape(run['protocol'])}</pre>"
        )
    return out


def literature_figures(results: dict) -> dict[str, str]:
    """L01-L06: each figure drawn from its claim's evidence, where that evidence exists."""
    out = {}
    stats = [e for c in results["claims"] if c["id"] == "L01" for e in c["evidence"] if e["kind"] == "statistic"]
    if stats:
        lines = {s["activation"]: s["mean_q_by_layer"] for s in stats}
        out["L01"] = figures.series_panels(
            "Forward variance over depth at He's gain (mean over seeds)", [("q_l = mean z_l^2", lines, "layer", "q_l")]
        )
    grid, line = _evidence(results, "L03", "figure"), _evidence(results, "L03", "table", "tanh critical line")
    table = _evidence(results, "L03", "table", "mean-field prediction")
    parts = []
    if grid is not None and line is not None:
        parts.append(figures.tanh_phase_diagram(grid, line["rows"]))
    if table is not None:
        parts.append(figures.chi1_predicted_vs_simulated(table["rows"]))
    if parts:
        out["L03"] = "".join(parts)
    if (dead := _evidence(results, "L04", "figure")) is not None:
        out["L04"] = figures.series_panels(
            "P(ReLU net born dead) against depth",
            [
                (
                    "exact, width 2, one input, no bias",
                    {"1 - (3/4)^L": dead["exact_width_2"]},
                    "depth L",
                    "probability",
                ),
                ("Monte Carlo, width 4, biases, 8 inputs", {"fraction dead": dead["fraction"]}, "depth L", "fraction"),
            ],
        )
    means = [e for c in results["claims"] if c["id"] == "L05" for e in c["evidence"] if e["kind"] == "figure"]
    if means:
        out["L05"] = figures.series_panels(
            "Mean activation per layer",
            [
                (
                    "each at its variance-preserving gain"
                    if "variance-preserving" in e["label"]
                    else "all at sigma_w = sqrt 2",
                    {k: v for k, v in e.items() if k not in ("kind", "label")},
                    "layer",
                    "mean activation",
                )
                for e in means
            ],
        )
    if (spread := _evidence(results, "L06", "table")) is not None:
        out["L06"] = figures.jacobian_spread(spread["rows"])
    return out


AUDIT_COLUMNS = ("worst_ulps", "worst_x", "wrongly_zero", "nan_or_inf_for_finite_x")


def audit_section(results: dict) -> str:
    """The audit table (activation x dtype, torch beside the reference) and one figure per dtype."""
    rows, series = [], {}
    for claim in results["claims"]:
        table = _evidence(results, claim["id"], "table", "worst ulps")
        if table is None:
            continue
        figure = _evidence(results, claim["id"], "figure")
        name = table["rows"][0]["activation"]
        series[name] = figure["series"] if figure else {}
        for r in table["rows"]:
            rows.append(
                {
                    "id": claim["id"],
                    **{k: r[k] for k in ("activation", "dtype", "library")},
                    **{k: r[k] for k in AUDIT_COLUMNS},
                }
            )
    if not rows:
        return ""
    dtypes = list(dict.fromkeys(r["dtype"] for r in rows))
    figs = "".join(f'<div class="figure">{figures.audit_errors(series, dt)}</div>' for dt in dtypes)
    return (
        '<h2 id="audit">Framework audit: torch\'s gradients against the exact derivative</h2>'
        "<p>Errors in ulps where the exact derivative is a normal float of the dtype; wrongly zero: intervals of the "
        "sweep where the library returns 0 although the exact value is normal. The NumPy reference of this suite is "
        "measured the same way beside torch. Verdicts in A01-A09 below.</p>"
        f"{table_html(rows)}{figs}"
    )


def render(results: dict, ledger: Ledger, command: str) -> str:
    """The whole page as a string; nothing in it depends on the build's time or place."""
    spans = {cid: c.span for cid, c in ledger.claims.items() if c.span}
    restores = [
        Restore(*c.restore, note=f"Reconstructed: {c.reconstructed}") for c in ledger.claims.values() if c.restore
    ]
    figs = claim_figures(results)
    sections = "".join(claim_section(c, ledger, figs.get(c["id"])) for c in results["claims"])
    prov = results["provenance"]
    prov_rows = [{"field": k, "value": v} for k, v in prov.items() if k != "packages"]
    prov_rows += [{"field": f"package {k}", "value": v} for k, v in prov["packages"].items()]
    cff = load_cff()
    source = ledger.sources.get("answer-24468", {})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>activation-claims: verdicts on answer 24468</title><style>{CSS}</style></head>
<body>
<h1>What holds in a widely read answer on vanishing gradients</h1>
<p class="muted">Each claim of <a href="{html.escape(source.get("url", ""))}">{html.escape(source.get("title", ""))}</a>
({html.escape(source.get("license", ""))}) checked exactly (sympy/mpmath), with a hand-written NumPy reference and with
torch autograd, and searched for counterexamples with Hypothesis, for real numbers (math) and IEEE floats (float).
The same machinery audits torch's own activation gradients (A01-A09) and the literature's claims on initialization and
signal propagation (L01-L06), each listed in the ledger below with its source.</p>
<h2 id="summary">Summary</h2>{summary_html(results)}
<h2 id="answer">The answer, annotated</h2>
<p class="muted">Each marked span links to its claim. After its id, one mark per verdict, math first, then float:
✓ supported, ✗ refuted, ◐ conditional, ? inconclusive, – not checkable. The colour says the same (green, red, amber,
grey); a span whose two verdicts differ is split, math on the left. {html.escape(source.get("note", ""))}</p>
<div class="answer">{annotated(source_text(), results["claims"], spans, restores)}</div>
<h2 id="ledger-table">The ledger</h2>{ledger_table(results)}
{audit_section(results)}
<h2 id="claims">Claims</h2>{sections}
<h2 id="provenance">Provenance</h2>{table_html(prov_rows)}
<h2 id="reproduce">Reproduce</h2>
<p>The run behind this page:</p><pre>{html.escape(str(prov.get("command")))}</pre>
<p>This page, from a fresh clone:</p><pre>{html.escape(command)}</pre>
<h2 id="cite">Cite</h2><p>{html.escape(cff.get("message", ""))}</p><pre>{html.escape(bibtex(cff))}</pre>
</body></html>
"""
