"""Every id and every #reference in an HTML page or an SVG, with the figure each sits in: the page's
links and each figure's internal references (markers, clip paths) must resolve, and resolve inside
the same figure."""

import re
from html.parser import HTMLParser


class IdsAndReferences(HTMLParser):
    """Every id with the figure (<svg>) it sits in, every #reference (href, xlink:href, url(#...)) likewise."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[tuple[str, int | None]] = []
        self.refs: list[tuple[str, int | None]] = []
        self.svgs, self.depth, self.svg_at = 0, 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "svg" and self.svg_at is None:
            self.svgs, self.svg_at = self.svgs + 1, self.depth
        figure = self.svgs if self.svg_at is not None else None
        self.depth += 1
        for name, value in attrs:
            if name == "id":
                self.ids.append((value, figure))
            elif name in ("href", "xlink:href") and value and value.startswith("#"):
                self.refs.append((value[1:], figure))
            for target in re.findall(r"url\(#([^)]+)\)", value or ""):
                self.refs.append((target, figure))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        self.depth -= 1
        if tag == "svg" and self.svg_at == self.depth:
            self.svg_at = None
