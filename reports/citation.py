"""CITATION.cff -> BibTeX, so the page and README cite from one source."""

from __future__ import annotations

from pathlib import Path

import yaml

CFF_PATH = Path(__file__).resolve().parent.parent / "CITATION.cff"


def load_cff(path: Path = CFF_PATH) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _authors(people: list[dict]) -> str:
    names = []
    for person in people:
        if "family-names" in person:
            names.append(f"{person['family-names']}, {person.get('given-names', '')}".strip(", "))
        else:
            names.append("{" + person["name"] + "}")
    return " and ".join(names)


def bibtex(cff: dict) -> str:
    """@software entry from the preferred citation (or the top level) of a CITATION.cff."""
    ref = cff.get("preferred-citation", cff)
    fields = {
        "author": _authors(ref.get("authors", cff.get("authors", []))),
        "title": "{" + ref.get("title", cff["title"]) + "}",
        "version": ref.get("version", cff.get("version")),
        "year": str(ref.get("year") or str(cff.get("date-released", ""))[:4]),
        "url": ref.get("url", cff.get("repository-code") or cff.get("url")),
        "doi": ref.get("doi", cff.get("doi")),
        "license": ref.get("license", cff.get("license")),
    }
    key = "".join(ch for ch in ref.get("title", cff["title"]).lower() if ch.isalnum())[:24] + fields["year"]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@software{{{key},\n{body}\n}}\n"
