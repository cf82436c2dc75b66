"""The report page: one self-contained HTML file (inline CSS, MathML, inline SVG; no script, no network)."""

from __future__ import annotations

import html
import json
import math
import multiprocessing
import os
import re
from collections import Counter
from pathlib import Path

from reports import figures
from reports.annotate import Restore, annotated, source_text
from reports.citation import bibtex, load_cff
from reports.format import column_label, intervals, is_constant, number
from reports.ledger import ANSWER_ACTIVATIONS, Ledger
from reports.mathml import from_latex, prose_html
from reports.plugin import outcome_mark

# The audit's libraries in the order their matrices stand: the frameworks, then the baseline.
FRAMEWORK_TITLES = {"torch": "torch autograd", "jax": "JAX grad", "numpy": "NumPy reference (baseline)"}

VERDICT_ORDER = ("supported", "refuted", "conditional", "inconclusive", "not-checkable", "pending")
CSS = (Path(__file__).resolve().parent / "page.css").read_text(encoding="utf-8")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
EVIDENCE_DIGITS = 4  # significant digits of a measured value in the evidence tables
DECIMAL = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")  # "0.00246650929136005", "1.08e-75"
LONG_FORMULA = 60  # LaTeX characters past which a formula is set as a block
# A table of more columns than fit a desktop page and at most this many rows is turned on its side:
# fields down, one column per record (an audit's per-dtype summary has 17 fields for 2 libraries).
WIDE_COLUMNS, FEW_ROWS = 10, 4
UNSETTABLE_FORMULA = 400  # past this a formula is wider than a desktop page: shown as wrapped LaTeX source


NOTHING = '<span class="muted">—</span>'
# What a provenance field without a value means, said in words rather than as a dash.
PROVENANCE_UNSET = {
    "git_commit": "not a git checkout",
    "git_dirty": "not a git checkout",
    "simulation_device": "no simulation ran",
}


def badge(verdict: str | None) -> str:
    if verdict is None:
        return NOTHING
    return f'<span class="badge verdict-{verdict}">{html.escape(verdict)}</span>'


def reproduced_cell(claim: dict) -> str:
    mark = outcome_mark(claim)
    css = {"yes": "good", "NOT REPRODUCED": "bad"}.get(mark, "muted")
    return f'<span class="{css}">{html.escape(mark)}</span>'


def value_html(value) -> str:
    """Evidence values: LaTeX-looking strings as MathML, lists of dicts as tables, the rest as text."""
    if isinstance(value, str) and "\\" in value and len(value) > UNSETTABLE_FORMULA:
        # MathML does not break lines: a formula this long would run off any screen; its source wraps
        return f'<pre class="constant">{html.escape(value)}</pre>'
    if isinstance(value, str) and "\\" in value:
        # a long formula inline would be set in script size; as a block it reads at full size
        return from_latex(value, display="block" if is_long_formula(value) else "inline")
    if is_rows(value):
        return table_html(value)
    if isinstance(value, dict):
        return "<br>".join(f"<b>{html.escape(column_label(str(k)))}</b>: {value_html(v)}" for k, v in value.items())
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        if len(value) > 3 and all(len(v) == 2 and all(isinstance(e, (int, float)) for e in v) for v in value):
            return html.escape(intervals(value, digits=EVIDENCE_DIGITS))  # hundreds of runs read as one line
        return "; ".join(value_html(v) for v in value)  # intervals (or points): [a, b]; [c, d]
    if isinstance(value, list):  # intervals and short series as [a, b], long ones cut
        cut = len(value) > 12
        shown = ", ".join(value_html(v) for v in (value[:6] if cut else value))
        return f"[{shown}, … {len(value) - 6} more]" if cut else f"[{shown}]"
    if value is None:  # not measured or not applicable in this row: a dash, as in the matrix, not JSON's null
        return NOTHING
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return html.escape(number(value, EVIDENCE_DIGITS))
    if isinstance(value, str) and is_constant(value):
        return f'<code class="constant">{html.escape(value)}</code>'
    if isinstance(value, str) and DECIMAL.fullmatch(value):  # an exact value recorded as text, to 15 digits
        return html.escape(number(float(value), EVIDENCE_DIGITS))
    return html.escape(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def is_long_formula(value) -> bool:
    return isinstance(value, str) and "\\" in value and len(value) > LONG_FORMULA


def table_html(rows: list[dict]) -> str:
    """Rows as a table with labelled columns (units in the label); a column empty in every row is
    left out, and a single row's long constants go below it in a full-width monospace block. More
    than WIDE_COLUMNS columns in at most FEW_ROWS rows are set sideways: a row per column."""
    rows = [flatten(r) for r in rows]  # a dict-valued column (one value per depth, say) becomes columns
    columns = [c for c in dict.fromkeys(k for r in rows for k in r) if any(r.get(c) not in (None, "") for r in rows)]
    constants = []
    if len(rows) == 1:
        constants = [c for c in columns if isinstance(rows[0][c], str) and is_constant(rows[0][c])]
        columns = [c for c in columns if c not in constants]
    if any(is_long_formula(r.get(c)) for r in rows for c in columns):
        # Columns of long formulas side by side would not fit any screen: one block per row instead.
        table = "".join(
            '<div class="stacked">'
            + "".join(
                f"<p><b>{html.escape(column_label(c))}</b>: {value_html(r[c])}</p>"
                for c in columns
                if r.get(c) not in (None, "")
            )
            + "</div>"
            for r in rows
        )
    elif len(columns) > WIDE_COLUMNS and len(rows) <= FEW_ROWS:
        first, *fields = columns  # the first field names the records: it heads their columns
        head = f"<th>{html.escape(column_label(first))}</th>" + "".join(
            f"<th>{value_html(r.get(first))}</th>" for r in rows
        )
        body = "".join(
            f'<tr><th scope="row">{html.escape(column_label(c))}</th>'
            + "".join(f"<td>{value_html(r.get(c))}</td>" for r in rows)
            + "</tr>"
            for c in fields
        )
        table = f'<table class="sideways"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    else:
        head = "".join(f"<th>{html.escape(column_label(c))}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{value_html(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if columns else ""
    blocks = "".join(
        f'<p class="constant-label">{html.escape(column_label(c))}</p>'
        f'<pre class="constant">{html.escape(rows[0][c])}</pre>'
        for c in constants
    )
    return table + blocks


def flatten(item: dict, prefix: str = "") -> dict:
    """One level of nesting folded into dotted keys: {"example": {"x": 0}} -> {"example.x": 0}."""
    out = {}
    for key, value in item.items():
        if isinstance(value, dict) and not prefix:
            out.update(flatten(value, f"{key}."))
        else:
            out[prefix + key] = value
    return out


def is_rows(value) -> bool:
    """A recorded table: a non-empty list of dicts, one per row."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def has_rows(row: dict) -> bool:
    return any(is_rows(v) for v in row.values())


def evidence_html(items: list[dict]) -> str:
    """Consecutive items of the same kind and fields become one table, one row each; an item that
    holds a table of its own (rows) gets its own heading and table."""
    groups: list[tuple[str, list[dict]]] = []
    for item in items:
        if item["kind"] == "figure":  # the data behind a drawn figure; the figure shows it
            continue
        row = flatten({"what": item.get("label", ""), **{k: v for k, v in item.items() if k not in ("kind", "label")}})
        same = groups and groups[-1][0] == item["kind"] and list(groups[-1][1][0]) == list(row)
        if same and not has_rows(row):
            groups[-1][1].append(row)
        else:
            groups.append((item["kind"], [row]))
    parts = []
    for kind, rows in groups:
        if len(rows) == 1 and has_rows(rows[0]):
            row = rows[0]
            nested = {k: v for k, v in row.items() if is_rows(v)}
            plain = {k: v for k, v in row.items() if k not in nested and k != "what"}
            parts.append(
                f"<p><b>{kind}</b>: {html.escape(str(row['what']))}</p>"
                + (table_html([plain]) if plain else "")
                + "".join(value_html(v) for v in nested.values())
            )
        else:
            parts.append(f"<p><b>{kind}</b></p>{table_html(rows)}")
    return "".join(parts) or '<p class="muted">No evidence recorded.</p>'


def tests_html(tests: list[dict]) -> str:
    rows = [
        {
            "test": t["nodeid"].split("::", 1)[-1],
            "outcome": t["outcome"],
            "examples": t.get("examples") if t.get("examples") is not None else "—",
            "duration_s": t["duration_s"],
        }
        for t in tests
    ]
    return table_html(rows) if rows else '<p class="muted">No test ran for this claim.</p>'


def summary_html(results: dict) -> str:
    claims = results["claims"]
    prov = results["provenance"]
    counts = {kind: Counter(c["verdict"][kind] for c in claims) for kind in ("math", "float")}
    lines = "".join(
        f"<li><b>{kind}</b>: "
        + " ".join(
            f'<span class="badge verdict-{v}">{counts[kind][v]} {v}</span>' for v in VERDICT_ORDER if counts[kind][v]
        )
        + (f' <span class="muted">({counts[kind][None]} without a {kind} verdict)</span>' if counts[kind][None] else "")
        + "</li>"
        for kind in ("math", "float")
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
        f"<p>{len(claims)} claims: {status}. Profile <code>{html.escape(str(prov.get('hypothesis_profile')))}</code>, "
        f"run started {html.escape(str(prov.get('started')))}, commit <code>{html.escape(commit)}</code>, torch "
        f"{html.escape(str(prov['packages'].get('torch')))}"
        + (f", JAX {html.escape(str(prov['packages']['jax']))}" if prov["packages"].get("jax") else "")
        + ".</p>"
        f'<ul class="counts">{lines}</ul>'
    )


def ledger_table(results: dict) -> str:
    """The index of claims: id (a link to its card), quote, the two verdicts, reproduced."""
    rows = []
    for c in results["claims"]:
        rows.append(
            f'<tr><td><a href="#{c["id"]}">{c["id"]}</a></td><td>{html.escape(c["quote"])}</td>'
            f"<td>{badge(c['verdict']['math'])}</td><td>{badge(c['verdict']['float'])}</td>"
            f"<td>{reproduced_cell(c)}</td></tr>"
        )
    return (
        '<table id="ledger"><thead><tr><th>id</th><th>quote</th><th>math</th><th>float</th>'
        f"<th>reproduced</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


PROSE_LABELS = {"correction": "Corrected claim (itself tested)", "finding": "Finding", "reason": "Why"}


def claim_section(c: dict, ledger: Ledger, figure: str) -> str:
    """A claim card: verdicts, quote, the finding first, its figure, the rest of the prose;
    the formal statement, evidence and tests folded below."""
    entry = ledger[c["id"]]
    prose = [(field, c[field]) for field in ("correction", "finding", "reason") if c.get(field)]
    parts = [
        f'<section class="claim" id="{c["id"]}"><h3>{c["id"]} <span class="verdicts">{badge(c["verdict"]["math"])} '
        f"math · {badge(c['verdict']['float'])} float · reproduced: {reproduced_cell(c)}</span></h3>",
        f"<blockquote>{html.escape(c['quote'])}</blockquote>",
    ]
    for i, (field, text) in enumerate(prose):
        lead = ' class="lead"' if i == 0 else ""
        parts.append(f"<p{lead}><b>{PROSE_LABELS[field]}:</b> {prose_html(text)}</p>")
        if i == 0:
            parts.append(figure)
    if not prose:
        parts.append(figure)
    if entry.upstream:
        parts.append(f"<p><b>Reported upstream:</b> {upstream_links(entry.upstream)}</p>")
    for problem in c.get("problems", []):
        parts.append(f'<p class="bad"><b>Not reproduced:</b> {html.escape(problem)}</p>')
    statement = f"<p><b>Formal statement</b></p>{from_latex(c['statement'])}"
    if entry.reconstructed:
        statement += f'<p class="muted"><b>Reconstructed:</b> {html.escape(entry.reconstructed)}</p>'
    shown = [e for e in c["evidence"] if e["kind"] != "figure"]
    parts.append(
        f"<details><summary>Formal statement and evidence ({len(shown)} "
        f"item{'s' if len(shown) != 1 else ''})</summary>{statement}{evidence_html(c['evidence'])}</details>"
    )
    parts.append(f"<details><summary>Tests run ({len(c['tests'])})</summary>{tests_html(c['tests'])}</details>")
    parts.append("</section>")
    return "".join(parts)


def upstream_links(urls: tuple[str, ...], short: bool = False) -> str:
    """Tracker threads as links: owner/repo#N for a GitHub issue or pull request (#N alone, short,
    where the framework is plain from the table)."""
    links = []
    for url in urls:
        m = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)/(?:issues|pull)/(\d+)", url)
        text = (f"#{m[2]}" if short else f"{m[1]}#{m[2]}") if m else url.split("/")[2]
        # an identifier, not a quantity: set as code, like the other identifiers on the page
        links.append(f'<a href="{html.escape(url)}"><code>{html.escape(text)}</code></a>')
    return ", ".join(links)


def _evidence(results: dict, cid: str, kind: str, label_start: str = "") -> dict | None:
    claim = next((c for c in results["claims"] if c["id"] == cid), None)
    for item in claim["evidence"] if claim else []:
        if item["kind"] == kind and item.get("label", "").startswith(label_start):
            return item
    return None


Job = tuple  # (claim id, figure function, its arguments, caption): drawn in a worker process


def _answer_only(mapping: dict) -> dict:
    """The entries of the answer's activations (reports.ledger.ANSWER_ACTIVATIONS): S01's figure
    draws these, while its evidence table keeps every registry entry (27 panels in one figure would
    bury the claim's subjects)."""
    return {k: v for k, v in mapping.items() if k in ANSWER_ACTIVATIONS}


def figure_jobs(results: dict) -> list[Job]:
    """The figures, each with the claim it illustrates and a caption saying what to see; a figure
    is drawn only where its evidence exists."""
    jobs = []
    panels, ranges = _evidence(results, "S01", "figure"), _evidence(results, "S01", "table", "exact inf and sup")
    if panels is not None:
        jobs.append(
            (
                "S01",
                figures.activation_panels,
                (
                    panels["x"],
                    _answer_only(panels["curves"]),
                    _answer_only({r["activation"]: r for r in ranges["rows"]} if ranges else {}),
                ),
                "The answer's five activations. Sigmoid's and tanh's derivatives (red) peak at the origin and fall "
                "towards their infimum on both sides; the dashed lines are the exact infimum and supremum over the "
                "reals. ReLU, leaky ReLU and ELU keep a derivative of one on the positive side. The table of exact "
                "ranges in the evidence has every activation of the registry.",
            )
        )
    if (table := _evidence(results, "S05", "table")) is not None:
        jobs.append(
            (
                "S05",
                figures.decay_with_depth,
                (table,),
                "The answer's five activations: the exact log-magnitude of the gradient against depth (log "
                "scale). Geometric decay, a fixed factor per layer, bends steeply down on this axis; a slowly "
                "sinking line is a power law, a level or rising one no decay. Below the dotted line float64 would "
                "hold the gradient as zero.",
            )
        )
    if (table := _evidence(results, "S06", "table")) is not None:
        jobs.append(
            (
                "S06",
                figures.zero_depths,
                (table,),
                "Each bar is the first depth at which the computed gradient is exactly zero, by dtype and library "
                "(NumPy reference, torch); a bar marked none stayed nonzero to the deepest chain tried.",
            )
        )
    if (table := _evidence(results, "S11", "table")) is not None:
        jobs.append(
            (
                "S11",
                figures.dead_relu_traces,
                (table, _evidence(results, "S11", "counterexample")),
                "Left: a first-layer unit that is dead on every input stays dead under every optimizer. Right: a "
                "dead unit in a deeper layer crosses zero again because the layer below keeps learning.",
            )
        )
    jobs += literature_jobs(results)
    if (run := _evidence(results, "S19", "figure")) is not None:
        jobs.append(
            (
                "S19",
                figures.learning_curves,
                (run["curves"],),
                "Median training loss with its interquartile band over seeds; the dotted line is the "
                "pre-registered target loss. Overlapping bands mean the runs do not separate the activations.",
            )
        )
    for claim in results["claims"]:
        if (detail := audit_detail_job(results, claim["id"])) is not None:
            jobs.append(detail)
    return jobs


def audit_detail_job(results: dict, cid: str) -> Job | None:
    """An audit claim's error-against-x figure, from its series and its wrongly-zero intervals."""
    series, table = _evidence(results, cid, "figure"), _evidence(results, cid, "table", "worst ulps")
    if series is None or table is None:
        return None
    name = table["rows"][0]["activation"]
    framework = table["rows"][0]["library"]
    zero = {r["dtype"]: r["wrongly_zero"] for r in table["rows"] if r["library"] == framework}
    title = FRAMEWORK_TITLES.get(framework, framework)
    return (
        cid,
        figures.audit_detail,
        (name, framework, series["series"], zero),
        f"Solid: {title}'s gradient; dotted: the NumPy reference; one colour per dtype. Each point is the worst error "
        "in one binade of |x|. The dashed line marks the few-ulps band the claim allows; a shaded stretch is where "
        f"{title} returns exactly zero although the exact derivative is a normal float.",
    )


def literature_jobs(results: dict) -> list[Job]:
    """L01-L06: each figure drawn from its claim's evidence, where that evidence exists."""
    jobs = []
    stats = [e for c in results["claims"] if c["id"] == "L01" for e in c["evidence"] if e["kind"] == "statistic"]
    if stats:
        lines = {s["activation"]: s["mean_q_by_layer"] for s in stats}
        levels = {s["activation"]: s["predicted_q"] for s in stats if "predicted_q" in s}
        within = stats[0].get("within_standard_errors")  # the test's tolerance, as it recorded it
        caption = (
            "At He's gain the pre-activation variance neither grows nor decays with depth: the lines stay near "
            "the level the variance map predicts, the input's q_0 times the squared gain (dashed)"
            + (f"; the first and last layers are each within {within:d} standard errors of it." if within else ".")
        )
        jobs.append(
            (
                "L01",
                figures.series_panels,
                (
                    "Forward variance over depth at He's gain (mean over seeds)",
                    [("q_l = mean z_l^2", lines, "layer", "q_l (variance of the pre-activation)")],
                    False,
                    levels,
                ),
                caption,
            )
        )
    grid, line = _evidence(results, "L03", "figure"), _evidence(results, "L03", "table", "tanh critical line")
    table = _evidence(results, "L03", "table", "mean-field prediction")
    if grid is not None and line is not None:
        jobs.append(
            (
                "L03",
                figures.tanh_phase_diagram,
                (grid, line["rows"]),
                "Blue: ordered phase, where gradients vanish with depth; red: chaotic phase, where they explode. The "
                "black line is the critical line, where chi_1 is exactly one, and the dots are where the suite "
                "solved for it.",
            )
        )
    if table is not None:
        jobs.append(
            (
                "L03",
                figures.chi1_predicted_vs_simulated,
                (table["rows"],),
                "The mean-field prediction (black bar) against finite-width simulations (dots, two standard errors).",
            )
        )
    if (dead := _evidence(results, "L04", "figure")) is not None:
        jobs.append(
            (
                "L04",
                figures.series_panels,
                (
                    "P(ReLU net born dead) against depth",
                    [
                        (
                            "exact, width 2, one input, no bias",
                            {"1 - (3/4)^L": dead["exact_width_2"]},
                            "depth L (layers)",
                            "probability",
                        ),
                        (
                            f"Monte Carlo: {dead.get('label', 'simulated nets')}",
                            {"fraction dead": dead["fraction"]},
                            "depth L (layers)",
                            "fraction of nets",
                        ),
                    ],
                ),
                "The probability that a ReLU net is dead at initialization climbs towards one as the net deepens, "
                "exactly for the small case and by simulation for a wider one.",
            )
        )
    means = [e for c in results["claims"] if c["id"] == "L05" for e in c["evidence"] if e["kind"] == "figure"]
    if means:
        jobs.append(
            (
                "L05",
                figures.series_panels,
                (
                    "Mean activation per layer",
                    [
                        (
                            e["label"].removeprefix("mean activation per layer, "),
                            {k: v for k, v in e.items() if k not in ("kind", "label")},
                            "layer",
                            "mean activation",
                        )
                        for e in means
                    ],
                ),
                "Left: at each activation's own variance-preserving gain ELU's mean activation stays the nearer to "
                "zero. Right: at ReLU's gain an ELU net's variance grows and its mean overtakes ReLU's.",
            )
        )
    if (spread := _evidence(results, "L06", "table")) is not None:
        jobs.append(
            (
                "L06",
                figures.jacobian_spread,
                (spread["rows"],),
                "A flat line is dynamical isometry: the singular values of the input-output Jacobian stay "
                "concentrated as the net deepens. A rising line means they spread.",
            )
        )
    return jobs


def _draw(job: Job) -> str:
    return job[1](*job[2])


def draw(jobs: list[Job], workers: int | None = None) -> dict[str, str]:
    """Every figure as <figure> with its caption, keyed by claim. Drawn in worker processes forked
    from a fresh server that has imported the figure module once: never forked from this process,
    whose threads (JAX's, torch's) a fork would copy half-held. Each figure is deterministic, so the
    page does not depend on which worker drew it."""
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["reports.figures"])
        with context.Pool(workers) as pool:
            svgs = pool.map(_draw, jobs, chunksize=1)
    else:
        svgs = [_draw(job) for job in jobs]
    out: dict[str, str] = {}
    for (cid, _, _, caption), svg in zip(jobs, svgs):
        figure = f'<figure class="figure">{svg}<figcaption>{html.escape(caption)}</figcaption></figure>'
        out[cid] = out.get(cid, "") + figure
    return out


AUDIT_SCALE = 16  # decades of the colour scale: 1 ulp to 1e16 ulps (float64's worst)


def ulps_colour(ulps) -> tuple[str, str]:
    """(background, text colour) for a worst error on a log scale: pale green at <= 1 ulp to dark red."""
    value = float("inf") if ulps in ("inf", "nan") else float(ulps)
    t = min(max(math.log10(max(value, 1.0)) / AUDIT_SCALE, 0.0), 1.0) if value != float("inf") else 1.0
    stops = ((0.0, (232, 245, 233)), (0.25, (255, 236, 179)), (0.6, (244, 143, 97)), (1.0, (165, 15, 21)))
    for (t0, c0), (t1, c1) in zip(stops, stops[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            rgb = [round(a + f * (b - a)) for a, b in zip(c0, c1)]
            break
    return "#" + "".join(f"{c:02x}" for c in rgb), ("#fff" if t > 0.6 else "#1b1b1b")


def dtype_rows(row: dict) -> list[dict]:
    return [v for v in row.values() if isinstance(v, dict)]


def kink_word(rows: list[dict] | None) -> str:
    """The matrix's kink cell: no kink or jump; a value that differs from the stated convention; only
    jumps (where f has no derivative and any value is only recorded); else as stated."""
    if rows is None:
        return "no kink"
    if any(k["agrees"] is False for k in rows):
        return "differs"
    return "jump only" if all(k["agrees"] is None for k in rows) else "as stated"


def audit_matrix(results: dict, ledger: Ledger | None = None) -> str:
    """The audit at a glance: activation x dtype, one matrix per library, worst ulps on a log colour
    scale, a mark where the gradient is wrongly zero or NaN/infinite, and the kink convention."""
    cells: dict[str, dict] = {}
    for claim in results["claims"]:
        table = _evidence(results, claim["id"], "table", "worst ulps")
        if table is None:
            continue
        kinks = _evidence(results, claim["id"], "table", "value at each kink")
        for r in table["rows"]:
            row = cells.setdefault(r["library"], {}).setdefault(r["activation"], {"id": claim["id"]})
            row[r["dtype"]] = r
            row["kink"] = kink_word(None if kinks is None else kinks["rows"])
    if not cells:
        return ""
    dtypes = list(dict.fromkeys(r["dtype"] for lib in cells.values() for row in lib.values() for r in dtype_rows(row)))
    blocks = []
    for library, title in FRAMEWORK_TITLES.items():
        if library not in cells:
            continue
        head = "".join(f"<th>{d}</th>" for d in dtypes)
        body = []
        for name, row in cells[library].items():
            tds = []
            for d in dtypes:
                r = row.get(d)
                if r is None:
                    tds.append('<td class="muted">—</td>')
                    continue
                bg, fg = ulps_colour(r["worst_ulps"])
                marks = ("⊘ zero " if r["wrongly_zero"] else "") + ("NaN/∞ " if r["nan_or_inf_for_finite_x"] else "")
                # the whole cell links to the claim's card, where its error is plotted against x
                mark = f"<br><b>{marks.strip()}</b>" if marks else ""
                tds.append(
                    f'<td style="background:{bg};color:{fg}"><a href="#{row["id"]}" title="{name}, {d}: the detail">'
                    f"{html.escape(number(r['worst_ulps'], 2))}{mark}</a></td>"
                )
            # a framework's claim records its value at each kink and the upstream reports of its finding;
            # the baseline has neither column
            if library != "numpy":
                tds.append(f"<td>{row['kink']}</td>")
                if ledger is not None:
                    reports = ledger[row["id"]].upstream if row["id"] in ledger.claims else ()
                    tds.append(f'<td class="upstream">{upstream_links(reports, short=True) if reports else "—"}</td>')
            body.append(f'<tr><th><a href="#{row["id"]}">{html.escape(name)}</a></th>{"".join(tds)}</tr>')
        upstream_head = "<th>upstream</th>" if ledger is not None else ""
        extra_heads = "" if library == "numpy" else "<th>kink</th>" + upstream_head
        blocks.append(
            f'<table class="matrix"><caption>{title}</caption><thead><tr><th>activation</th>{head}{extra_heads}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table>"
        )
    legend = "".join(
        f'<span style="background:{ulps_colour(u)[0]};color:{ulps_colour(u)[1]}">{label}</span>'
        for u, label in ((1, "≤ 1"), (1e2, "10²"), (1e4, "10⁴"), (1e8, "10⁸"), (1e16, "10¹⁶"))
    )
    return (
        '<figure role="group" aria-label="Audit matrix: worst error of each activation\'s '
        'gradient per dtype, each framework and the NumPy reference">'
        f'<div class="matrices">{"".join(blocks)}</div>'
        f'<p class="legend">worst error (ulps): {legend}</p>'
        "<figcaption>Each cell is the worst error of the computed derivative, in ulps of the dtype, over the sweep "
        "stated in that claim's evidence; darker is worse. ⊘ zero: the gradient is exactly zero on some stretch "
        "where the exact derivative is a normal float. NaN/∞: a non-finite gradient for a finite input. Kink: the "
        "value the framework gives at each kink against the convention it documents. Upstream: the framework's own "
        "tracker threads that report the finding, where one exists. Each activation links to its "
        "claim, with the error plotted against x.</figcaption></figure>"
    )


def audit_section(results: dict, ledger: Ledger | None = None) -> str:
    matrix = audit_matrix(results, ledger)
    if not matrix:
        return ""
    return (
        "<h2 id=\"audit\">Framework audit: torch's and JAX's gradients against the exact derivative</h2>"
        "<p>Errors in ulps where the exact derivative is a normal float of the dtype. The NumPy reference of this "
        "suite is measured the same way beside the frameworks, as the baseline. Verdicts in the cards A01 onwards "
        "(torch) and J01 onwards (JAX).</p>"
        f"{matrix}"
    )


TOC = (
    ("summary", "Summary"),
    ("answer", "The answer, annotated"),
    ("ledger-table", "Ledger"),
    ("audit", "Framework audit"),
    ("claims", "Claims"),
    ("provenance", "Provenance"),
    ("reproduce", "Reproduce"),
    ("cite", "Cite"),
)


def toc_html(results: dict, has_audit: bool) -> str:
    """The table of contents: the page's sections, and the claims by series."""
    links = [f'<a href="#{anchor}">{text}</a>' for anchor, text in TOC if anchor != "audit" or has_audit]
    series: dict[str, list[str]] = {}
    for c in results["claims"]:
        series.setdefault(c["id"][0], []).append(c["id"])
    names = {"S": "the answer", "A": "torch audit", "J": "JAX audit", "L": "literature"}
    claims = " · ".join(
        f'{names.get(k, k)}: <a href="#{ids[0]}">{ids[0]}</a>–<a href="#{ids[-1]}">{ids[-1]}</a>'
        for k, ids in series.items()
    )
    return (
        f'<nav class="toc" aria-label="Contents">{" · ".join(links)}<br>'
        f'<span class="muted">Claims by series: {claims}</span></nav>'
    )


def render(results: dict, ledger: Ledger, command: str) -> str:
    """The whole page as a string; nothing in it depends on the build's time or place."""
    spans = {cid: c.span for cid, c in ledger.claims.items() if c.span}
    restores = [
        Restore(*c.restore, note=f"Reconstructed: {c.reconstructed}") for c in ledger.claims.values() if c.restore
    ]
    figs = draw(figure_jobs(results))
    if (run := _evidence(results, "S19", "figure")) is not None:
        figs["S19"] = figs.get("S19", "") + (
            "<details><summary>The pre-registered protocol, verbatim</summary>"
            f"<pre>{html.escape(run['protocol'])}</pre></details>"
        )
    sections = "".join(claim_section(c, ledger, figs.get(c["id"], "")) for c in results["claims"])
    audit = audit_section(results, ledger)
    prov = results["provenance"]
    prov_rows = [
        {"field": k, "value": PROVENANCE_UNSET.get(k) if v is None else v} for k, v in prov.items() if k != "packages"
    ]
    prov_rows += [
        {"field": f"package {k}", "value": "not installed" if v is None else v} for k, v in prov["packages"].items()
    ]
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
({html.escape(source.get("license", ""))}) checked exactly (sympy, with arb and mpmath for values), with a
hand-written NumPy reference and with torch autograd, and searched for counterexamples with Hypothesis, for real
numbers (math) and IEEE floats (float).
The same machinery audits torch's and JAX's own activation gradients (the A and J claims) and the literature's
claims on initialization and signal propagation (the L claims), each listed in the ledger below with its source.</p>
{toc_html(results, bool(audit))}
<h2 id="summary">Summary</h2>{summary_html(results)}
<h2 id="answer">The answer, annotated</h2>
<p class="muted">Each marked span links to its claim. After its id, one mark per verdict, math first, then float:
✓ supported, ✗ refuted, ◐ conditional, ? inconclusive, – not checkable. The colour says the same (green, red, amber,
grey); a span whose two verdicts differ is split, math on the left. {html.escape(source.get("note", ""))}</p>
<div class="answer">{annotated(source_text(), results["claims"], spans, restores)}</div>
<h2 id="ledger-table">The ledger</h2>{ledger_table(results)}
{audit}
<h2 id="claims">Claims</h2>
<p class="muted">Each card gives the quote, its two verdicts and what this run found, with numbers filled from the
run's evidence, then its figure. The formal statement, the evidence and the tests that produced it are folded below.</p>
{sections}
<h2 id="provenance">Provenance</h2>{table_html(prov_rows)}
<h2 id="reproduce">Reproduce</h2>
<p>The run behind this page:</p><pre>{html.escape(str(prov.get("command")))}</pre>
<p>This page, from a fresh clone:</p><pre>{html.escape(command)}</pre>
<h2 id="cite">Cite</h2><p>{html.escape(cff.get("message", ""))}</p><pre>{html.escape(bibtex(cff))}</pre>
</body></html>
"""
