"""The PDF reader on small PDFs drawn here the way UN documents are laid out, and on bad inputs."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.errors import DamagedFile, EmptyFile, EncryptedFile, NoTextLayer
from ingest.paragraphs import split_paragraphs
from ingest.pdf import (
    Vocabulary, clean_text, is_noise_line, keeps_hyphen, repair_split_hyphens, strip_reference_markers,
)
from ingest.readers.pdf import read_pdf
from ingest.types import Footnote

SHARED = Path(__file__).resolve().parents[3] / "shared"
ROBUSTNESS = SHARED / "data" / "pdf-robustness"

BODY, SMALL, TINY = 10, 8, 5.5


def _shared(*parts: str) -> Path:
    """A file under ../shared, or skip saying it is missing."""
    path = ROBUSTNESS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present: needs {path}")
    return path


class _Page:
    """Draws lines top-down on a reportlab canvas the way UN documents set them."""

    def __init__(self, pdf, y: float = 700) -> None:  # type: ignore[no-untyped-def]
        self.pdf, self.y = pdf, y

    def text(self, x: float, y: float, text: str, size: float = BODY, bold: bool = False) -> float:
        """Draw `text` at (x, y); return where it ends."""
        font = "Times-Bold" if bold else "Times-Roman"
        self.pdf.setFont(font, size)
        self.pdf.drawString(x, y, text)
        return x + self.pdf.stringWidth(text, font, size)

    def line(self, text: str, x: float = 72, size: float = BODY, bold: bool = False, gap: float = 12) -> None:
        """Draw the next line, `gap` points below the previous one."""
        self.y -= gap
        self.text(x, self.y, text, size, bold)

    def line_with_marker(self, before: str, marker: str, after: str, gap: float = 12) -> None:
        """A body line with a raised footnote marker drawn on its own, as word processors do."""
        self.y -= gap
        end = self.text(72, self.y, before)
        end = self.text(end, self.y + 3.5, marker, size=6.5)
        self.text(end, self.y, after)

    def line_with_rise(self, before: str, marker: str) -> None:
        """A body line whose marker is raised with text rise (Ts), which the text layer flattens."""
        self.y -= 18
        text = self.pdf.beginText(72, self.y)
        text.setFont("Times-Roman", BODY)
        text.textOut(before)
        text.setRise(3.5)
        text.setFont("Times-Roman", 6.5)
        text.textOut(marker)
        self.pdf.drawText(text)

    def running(self, header: str, footer_left: str, footer_right: str) -> None:
        """The running header and the footer of a UN document."""
        self.text(72, 740, header, size=8.5, bold=True)
        self.text(72, 40, footer_left, size=7)
        self.text(500, 40, footer_right, size=8.5, bold=True)


def _un_style_pdf() -> bytes:
    """A three-page report: title and contents, then body pages with footnotes."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))

    page = _Page(pdf)
    page.text(72, 740, "A/99/1", size=8.5)
    page.text(72, 560, "Report of the Committee on Testing", size=16, bold=True)
    page.text(72, 500, "Contents", size=14)
    page.y = 490
    for entry in ("I. Introduction ........................................................ 2",
                  "II. Cooperation among developing countries .......................... 2",
                  "III. Recommendations .................................................. 3",
                  "Annex ................................................................. 3"):
        page.line(entry, gap=18)
    page.text(72, 60, "99-12345 (E)    010199", size=10)
    page.text(72, 45, "*9912345*", size=12, bold=True)
    pdf.showPage()

    page = _Page(pdf, y=720)
    page.running("A/99/1", "2/3", "99-12345")
    page.line("I. Introduction", size=14, bold=True, gap=0)
    page.line("1. The Committee on South -South Cooperation met in New York to review the", gap=30)
    page.line("progress made in technical cooperation among developing countries and the develop-")
    page.line_with_marker("ment of partnerships for development in the Committee.", "1", " The report")
    page.line("of the session includes the views of Member States on capacity-building.")
    page.line("(a) Strengthening national capacities for South-South cooperation;", gap=18)
    page.line_with_rise("(b) Mobilizing resources for triangular cooperation.", "2")
    page.line("The Committee on Testing,", x=108, gap=18)
    page.line("Recalling its decision 1/1 of 1 January 1999 on technical cooperation among developing", x=108)
    page.line("countries,")
    page.line("Reaffirming the importance of South-", x=108)
    page.line("South cooperation for development,")
    page.line("3. The Committee stressed that national ownership is central to the capa-", gap=18)
    page.text(100, 160, "__________________", size=8, bold=True)
    page.text(100, 148.5, "1", size=TINY)
    page.text(106, 145, "Report of the Committee on its first session (A/98/1).", size=SMALL)
    page.text(106, 134.5, "2 General Assembly resolution 98/2, annex.", size=SMALL)
    pdf.showPage()

    page = _Page(pdf, y=720)
    page.running("A/99/1", "99-12345", "3/3")
    page.line("city of developing countries to design their own development strategies.", gap=0)
    page.line("4. The Committee adopted the present report on 1 January 1999.", gap=18)
    page.line("Annex", size=12, bold=True, gap=24)
    page.line("List of participants", size=12, bold=True, gap=14)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    """The drawn report, read once."""
    return read_pdf(_un_style_pdf(), None)


def _paragraphs(report, number: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for p in report.pages[number - 1].text.split("\n\n") if p]


def test_pages_keep_their_numbers_and_the_title_is_found(report) -> None:  # type: ignore[no-untyped-def]
    assert [page.number for page in report.pages] == [1, 2, 3]
    assert report.title_hint == "Report of the Committee on Testing"


def test_headers_footers_job_numbers_and_barcodes_are_gone(report) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(page.text for page in report.pages)
    for remnant in ("A/99/1", "2/3", "3/3", "99-12345", "010199", "(E)", "*9912345*"):
        assert remnant not in text
    assert "A/98/1" in " ".join(note.text for note in report.footnotes)  # a cited symbol stays


def test_contents_are_dropped_and_noted(report) -> None:  # type: ignore[no-untyped-def]
    assert _paragraphs(report, 1) == ["Report of the Committee on Testing"]
    assert not any("....." in page.text for page in report.pages)
    assert any("contents" in note for note in report.notes)


def test_footnotes_are_lifted_out_of_the_body(report) -> None:  # type: ignore[no-untyped-def]
    assert report.footnotes == (
        Footnote(2, "1", "Report of the Committee on its first session (A/98/1)."),
        Footnote(2, "2", "General Assembly resolution 98/2, annex."),
    )
    body = report.pages[1].text
    assert "in the Committee. The report of the session" in body
    assert "Report of the Committee on its first session" not in body
    assert "Committee.1" not in body and "cooperation.2" not in body


def test_paragraphs_are_rebuilt_with_hyphens_mended(report) -> None:  # type: ignore[no-untyped-def]
    assert _paragraphs(report, 2) == [
        "I. Introduction",
        "1. The Committee on South-South Cooperation met in New York to review the progress made in "
        "technical cooperation among developing countries and the development of partnerships for "
        "development in the Committee. The report of the session includes the views of Member States "
        "on capacity-building.",
        "(a) Strengthening national capacities for South-South cooperation;",
        "(b) Mobilizing resources for triangular cooperation.",
        "The Committee on Testing,",
        "Recalling its decision 1/1 of 1 January 1999 on technical cooperation among developing countries,",
        "Reaffirming the importance of South-South cooperation for development,",
        "3. The Committee stressed that national ownership is central to the capacity",
    ]


def test_a_word_split_by_the_page_break_is_mended(report) -> None:  # type: ignore[no-untyped-def]
    assert _paragraphs(report, 3) == [
        "of developing countries to design their own development strategies.",
        "4. The Committee adopted the present report on 1 January 1999.",
        "Annex",
        "List of participants",
    ]
    joined = [p.text for p in split_paragraphs(report)]
    assert ("3. The Committee stressed that national ownership is central to the capacity of developing "
            "countries to design their own development strategies.") in joined


def test_a_page_left_empty_keeps_its_number() -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))
    for number in (1, 2):
        page = _Page(pdf, y=720)
        page.running("A/99/2", f"{number}/2", "99-54321")
        if number == 1:
            page.line("1. The only paragraph of this short note.")
        pdf.showPage()
    pdf.save()
    extracted = read_pdf(buffer.getvalue(), None)
    assert [(page.number, page.text) for page in extracted.pages] == [
        (1, "1. The only paragraph of this short note."), (2, ""),
    ]


@pytest.mark.parametrize(("text", "noise"), [
    ("A/80/39", True), ("25-09815 3/31", True), ("4/31 25-09815", True), ("25-11478 (E) 220725", True),
    ("*2511478*", True), ("United Nations E/2025/19", True), ("GE.07-63105", True), ("Page 2", True),
    ("E/2025/39 ESCAP/81/32", True), ("2 A/78/224.", False), ("Annex", False), ("2030 Agenda", False),
])
def test_header_and_footer_lines_are_recognised(text: str, noise: bool) -> None:
    assert is_noise_line(text) is noise


def test_hyphens_at_line_ends_follow_the_document() -> None:
    vocab = Vocabulary.from_texts(["capacity-building and development", "South -South cooperation"])
    assert not keeps_hyphen("develop", "ment", vocab)
    assert keeps_hyphen("capacity", "building", vocab)
    assert keeps_hyphen("South", "South", vocab)
    assert not keeps_hyphen("coun", "tries", vocab)  # unknown lower-case continuation: joined
    assert keeps_hyphen("coun", "tries", Vocabulary(frozenset(), frozenset(), keep_by_default=True))
    assert repair_split_hyphens("South -South and South- South, science- and technology-based",
                                vocab) == "South-South and South-South, science- and technology-based"


def test_characters_are_normalised_and_glued_markers_removed() -> None:
    assert clean_text("ﬁnancing e\u00adquity  and  ﬂows") == "financing equity and flows"
    assert strip_reference_markers("by the Committee.1 The report, 23 States", {"1"}) == \
        "by the Committee. The report, 23 States"


def test_empty_bytes_raise_empty_file() -> None:
    with pytest.raises(EmptyFile):
        read_pdf(b"", None)


def test_garbage_raises_damaged_file_with_the_parser_message() -> None:
    with pytest.raises(DamagedFile) as caught:
        read_pdf(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 9 0 R >>\n%%EOF", None)
    assert "PDF parser failed" in str(caught.value) or "text extraction failed" in str(caught.value)


@pytest.mark.parametrize("name", ["bad2.pdf", "bad11.pdf", "bad35.pdf", "pages-loop.pdf", "bad-data.pdf"])
def test_damaged_files_raise_damaged_file(name: str) -> None:
    data = _shared("damaged", name).read_bytes()
    with pytest.raises(DamagedFile) as caught:
        read_pdf(data, None)
    assert str(caught.value).strip()


def test_encrypted_file_needs_the_right_password() -> None:
    data = _shared("encrypted", "r4-user-password.pdf").read_bytes()
    with pytest.raises(EncryptedFile, match="password is required"):
        read_pdf(data, None)
    with pytest.raises(EncryptedFile, match="wrong"):
        read_pdf(data, "not-the-password")
    opened = read_pdf(data, "asdfzxcv")
    assert any(page.text.strip() for page in opened.pages)


def test_aes_256_file_opens_and_its_ligatures_are_normalised() -> None:
    data = _shared("encrypted", "crazyones-encrypted-256.pdf").read_bytes()
    with pytest.raises(EncryptedFile):
        read_pdf(data, None)
    text = " ".join(page.text for page in read_pdf(data, "password").pages)
    assert "misfits" in text and "ﬁ" not in text


def test_scanned_pages_raise_no_text_layer() -> None:
    data = _shared("edge", "A_45_696_Add.1.en.pdf").read_bytes()
    with pytest.raises(NoTextLayer, match="22 pages"):
        read_pdf(data, None)
