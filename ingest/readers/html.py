"""HTML reader: the main text of a page, without navigation, scripts or styles."""
from __future__ import annotations

from bs4 import BeautifulSoup

from ingest.errors import EmptyFile
from ingest.readers.text import decode_text
from ingest.types import ExtractedText, PageText

_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg")
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt")


def read_html(data: bytes, password: str | None = None) -> ExtractedText:
    """Read an HTML file: title from <title> or <h1>, paragraphs from block elements of <main>/<article>/<body>."""
    if not data:
        raise EmptyFile("file is empty (0 bytes)")
    soup = BeautifulSoup(decode_text(data), "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    paragraphs: list[str] = []
    for element in root.find_all(_BLOCKS):
        if element.find(_BLOCKS):
            continue  # its block children are visited on their own
        text = " ".join(element.get_text(" ").split())
        if text:
            prefix = "#" * int(element.name[1]) + " " if element.name in ("h1", "h2", "h3", "h4", "h5", "h6") else ""
            paragraphs.append(prefix + text)
    if not paragraphs:
        loose = " ".join(root.get_text(" ").split())
        paragraphs = [loose] if loose else []
    if not paragraphs:
        raise EmptyFile("HTML holds no visible text")
    title_tag = soup.find("title")
    title = " ".join(title_tag.get_text().split()) if title_tag else None
    if not title:
        h1 = soup.find("h1")
        title = " ".join(h1.get_text().split()) if h1 else None
    return ExtractedText(pages=(PageText(1, "\n\n".join(paragraphs)),), title_hint=title or None)
