"""Each reader on real bytes: text encodings, Markdown, HTML, DOCX and a PDF made here."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.errors import DecodeFailed, EmptyFile, UnsupportedFormat
from ingest.paragraphs import split_paragraphs
from ingest.pipeline import parse_file
from ingest.readers import read_bytes


def test_text_with_bom_and_single_newline_paragraphs() -> None:
    data = "\ufeffTitle line\nFirst paragraph ends here.\nSecond paragraph starts here.".encode("utf-8-sig")
    extracted = read_bytes(data, ".txt")
    texts = [p.text for p in split_paragraphs(extracted)]
    assert texts == ["Title line", "First paragraph ends here.", "Second paragraph starts here."]
    assert "\ufeff" not in extracted.pages[0].text


def test_utf16_and_latin1_text() -> None:
    assert "coopération" in read_bytes("La coopération Sud-Sud.".encode("utf-16"), ".txt").pages[0].text
    latin = "La coopération technique entre pays en développement est un moyen efficace.".encode("latin-1")
    assert "coopération" in read_bytes(latin, ".txt").pages[0].text


def test_empty_and_binary_text_fail_clearly() -> None:
    with pytest.raises(EmptyFile, match="empty"):
        read_bytes(b"", ".txt")
    with pytest.raises(EmptyFile):
        read_bytes(b"  \n\n ", ".txt")
    with pytest.raises(DecodeFailed):
        read_bytes(b"\x00\x01\x02\xff\xfe\x00garbage\x00", ".txt")


def test_unknown_extension() -> None:
    with pytest.raises(UnsupportedFormat, match=".xyz"):
        read_bytes(b"data", ".xyz")


def test_markdown_strips_markup_keeps_headings() -> None:
    data = b"# Plan of action\n\nThe **Buenos Aires** Plan of Action, see [link](http://x).\n"
    paragraphs = [p.text for p in split_paragraphs(read_bytes(data, ".md"))]
    assert paragraphs == ["# Plan of action", "The Buenos Aires Plan of Action, see link."]


def test_html_main_text_without_scripts_or_navigation() -> None:
    data = b"""<html><head><title>Good practices</title><script>alert(1)</script></head>
    <body><nav>Home | About</nav><main><h1>Talent banks</h1><p>Thailand keeps a <b>talent bank</b>.</p>
    <ul><li>Item one.</li></ul></main><footer>Copyright</footer></body></html>"""
    extracted = read_bytes(data, ".html")
    text = extracted.pages[0].text
    assert extracted.title_hint == "Good practices"
    assert "Thailand keeps a talent bank ." in text or "Thailand keeps a talent bank." in text
    assert "alert" not in text and "Home | About" not in text and "Copyright" not in text
    assert "# Talent banks" in text and "Item one." in text


def test_docx_paragraphs_and_headings(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Lessons learned", level=1)
    document.add_paragraph("A procedure for receiving requests for cooperation is needed.")
    path = tmp_path / "lessons.docx"
    document.save(str(path))
    parsed = parse_file(path)
    assert parsed.chunks[0].heading_path == ("Lessons learned",)
    assert "procedure for receiving requests" in parsed.chunks[0].text


def _make_pdf(path: Path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = 780
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()


def test_pdf_keeps_pages_and_joins_hyphenation_across_page_break(tmp_path: Path) -> None:
    path = tmp_path / "resolution.pdf"
    _make_pdf(path, [
        ["The Council,", "", "1. Calls for increased use of consultants from developing coun-"],
        ["tries so as to improve the cost-effectiveness of projects;", "",
         "2. Urges all parties to enhance the scope of the modality;"],
    ])
    parsed = parse_file(path)
    texts = [c.text for c in parsed.chunks]
    joined = " ".join(texts)
    assert "developing countries so as to improve" in joined
    chunk = next(c for c in parsed.chunks if "developing countries" in c.text)
    assert (chunk.page_start, chunk.page_end) == (1, 2)
    assert next(c for c in parsed.chunks if "enhance the scope" in c.text).page_start == 2
    assert parsed.document.pages == 2


def test_damaged_pdf_gives_a_clear_error(tmp_path: Path) -> None:
    from ingest.errors import IngestError

    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 9 0 R >>\n%%EOF")
    with pytest.raises(IngestError) as caught:
        parse_file(path)
    assert caught.value.reason in ("damaged", "empty", "no_text")


def test_pipeline_fills_metadata_references_and_structure() -> None:
    from support import CORPUS

    parsed = parse_file(CORPUS / "ecosoc-resolution-1992-41-tcdc.txt")
    document = parsed.document
    assert (document.symbol, document.doc_type, document.date) == ("E/RES/1992/41", "resolution", "1992-07-30")
    assert document.body == "Economic and Social Council"
    assert {r.symbol for r in document.references} >= {"A/RES/45/191", "A/RES/46/143"}
    recalling = next(r for r in document.references if r.symbol == "A/RES/45/191")
    assert recalling.label == "pp. 3" and parsed.chunks[recalling.chunk_ordinal].label == "pp. 3"
    assert [c.label for c in parsed.chunks if c.kind == "operative"] == [f"op. {i}" for i in range(1, 11)]


def test_footnotes_set_aside_by_a_reader_become_footnote_chunks() -> None:
    from ingest.pipeline import with_footnotes
    from ingest.types import Block, ExtractedText, Footnote, PageText

    blocks = [Block("paragraph", "Body on page one.", 1, 1), Block("paragraph", "Body on page two.", 2, 2)]
    extracted = ExtractedText(pages=(PageText(1, ""), PageText(2, "")),
                              footnotes=(Footnote(1, "3", "See resolution 33/134."),))
    placed = with_footnotes(blocks, extracted)
    assert [(b.kind, b.label, b.page_start) for b in placed] == [
        ("paragraph", None, 1), ("footnote", "fn. 3", 1), ("paragraph", None, 2)]
    assert placed[1].text == "3 See resolution 33/134."
