"""Report PDFs in Overlap's fonts and colours: a title, a table of facts, then titled tables.

``write_report_pdf`` lays out a whole report (the sync agenda); the pieces it is made of
(``report_styles``, ``paragraph``, ``data_table``, ``facts_table``, ``page_footer``) also make
the plan report of ``engine.sharing.pdf``.

All text goes through ``Paragraph`` with markup characters escaped, so a value from a CRM export
is shown as written. DejaVu Sans is used when the system has it (accents, Cyrillic, Greek);
otherwise the built-in Helvetica.

A table row never splits across pages, so a cell taller than a page would stop the whole report
(reportlab's ``LayoutError``, at about 3,500 characters in a step). Long cell text is therefore
cut into pieces that fit well within a page, one table row per piece, the later ones starting
with an ellipsis. (reportlab's own ``splitInRow`` re-wraps the rest of a cell at each split and
takes minutes on 100,000 characters.)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from engine.output.files import atomic_write
from engine.output.formats import MONEY_COLUMNS, money
from engine.output.formats import number as figure
from engine.output.safe_cells import cell_text

ACCENT = colors.HexColor("#1F3A5F")
LIGHT = colors.HexColor("#E8EEF5")
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/Library/Fonts", "C:/Windows/Fonts")


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names, registering DejaVu Sans when it can be found."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in _FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            try:
                if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                    pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
                    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
                return "DejaVuSans", "DejaVuSans-Bold"
            except Exception:
                break
    return "Helvetica", "Helvetica-Bold"


def report_styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle(
            "title",
            parent=base["Title"],
            fontName=bold,
            fontSize=20,
            leading=24,
            alignment=TA_LEFT,
            textColor=ACCENT,
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base["Heading1"],
            fontName=bold,
            fontSize=15,
            leading=19,
            textColor=ACCENT,
            spaceBefore=6,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontName=bold,
            fontSize=11.5,
            leading=14,
            textColor=ACCENT,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "body": ParagraphStyle(
            "body", parent=base["BodyText"], fontName=regular, fontSize=9.5, leading=12.5
        ),
        "cell": ParagraphStyle(
            "cell", parent=base["BodyText"], fontName=regular, fontSize=8.5, leading=10.5
        ),
        "head": ParagraphStyle(
            "head",
            parent=base["BodyText"],
            fontName=bold,
            fontSize=8.5,
            leading=10.5,
            textColor=colors.white,
        ),
        "small": ParagraphStyle(
            "small",
            parent=base["BodyText"],
            fontName=regular,
            fontSize=8,
            leading=10,
            textColor=colors.grey,
        ),
    }


def paragraph(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(cell_text(value)).replace("\n", "<br/>"), style)


def _fits(text: str, style: ParagraphStyle, width: float) -> bool:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 7


def _cell(text: str, style: ParagraphStyle, width: float) -> Any:
    """Short text as a plain string (fast: no line breaking); long text as a wrapping Paragraph."""
    return text if _fits(text, style, width) else paragraph(text, style)


# The tallest piece of a cell, in points: with the repeated header row it still fits the
# 733 points of a page's frame, whatever the words (see ``_lines_at_most``).
PIECE_HEIGHT = 600.0
# Table cells are padded by 6 points on the left and on the right (reportlab's default).
_CELL_PADDING = 12.0
CONTINUED = "\u2026 "


def _lines_at_most(text_width: float, room: float) -> int:
    """The most lines a text line ``text_width`` points wide can wrap to in ``room`` points.

    Greedy wrapping fills every two consecutive lines to more than ``room``, so a text of
    width w never takes more than 2w / room + 1 lines, whatever its words.
    """
    return int(2 * text_width / room) + 1


def _cut_line(line: str, style: ParagraphStyle, room: float, budget: int) -> list[str]:
    """``line`` in parts of at most ``budget`` lines each, cut after a space when one is in the
    second half of a part (a text with no spaces is cut anywhere)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font, size = style.fontName, style.fontSize
    if _lines_at_most(stringWidth(line, font, size), room) <= budget:
        return [line]
    glyph = {c: stringWidth(c, font, size) for c in set(line)}
    ends = list(accumulate(glyph[c] for c in line))
    widest = (budget - 1) * room / 2
    parts, start = [], 0
    while start < len(line):
        base = ends[start - 1] if start else 0.0
        end = max(start + 1, bisect_right(ends, base + widest))
        if end < len(line):
            space = line.rfind(" ", start, end)
            if space > start + (end - start) // 2:
                end = space + 1
        parts.append(line[start:end])
        start = end
    return parts


def _pieces(text: str, style: ParagraphStyle, width: float) -> list[str]:
    """``text`` in pieces no taller than ``PIECE_HEIGHT`` wrapped at ``width`` (one piece when
    it is short), cut at line ends where it can be."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    room = max(width - _CELL_PADDING, 1.0)
    budget = int(PIECE_HEIGHT / style.leading)
    font, size = style.fontName, style.fontSize
    if _lines_at_most(stringWidth(text, font, size), room) + text.count("\n") <= budget:
        return [text]  # the usual cell, in one piece
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        for number, part in enumerate(_cut_line(line, style, room, budget)):
            lines = _lines_at_most(stringWidth(part, font, size), room)
            # Parts of one line never share a piece: a line break there would be made up.
            if current and (number or used + lines > budget):
                pieces.append("\n".join(current))
                current, used = [], 0
            current.append(part)
            used += lines
    pieces.append("\n".join(current))
    return pieces


def _rows(values: Sequence[Any], style: ParagraphStyle, widths: Sequence[float]) -> list[list[Any]]:
    """The table rows of one row of ``values``: one, or more when a cell holds more text than
    a piece; the later pieces of a cell start with an ellipsis."""
    cells = [
        _pieces(cell_text(number_text(v)), style, w) for v, w in zip(values, widths, strict=True)
    ]
    return [
        [
            _cell((CONTINUED if k else "") + pieces[k] if k < len(pieces) else "", style, w)
            for pieces, w in zip(cells, widths, strict=True)
        ]
        for k in range(max((len(pieces) for pieces in cells), default=1))
    ]


def _body(
    rows: Sequence[Sequence[Any]], style: ParagraphStyle, widths: Sequence[float], first: int
) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
    """The table rows of ``rows``, placed from table row ``first``, and the commands that shade
    every other one of ``rows`` (a row's continuation rows in its shade)."""
    data: list[list[Any]] = []
    shades: list[tuple[Any, ...]] = []
    for number, row in enumerate(rows):
        lines = _rows(row, style, widths)
        if number % 2:
            top = first + len(data)
            shades.append(("BACKGROUND", (0, top), (-1, top + len(lines) - 1), LIGHT))
        data += lines
    return data, shades


def data_table(
    header: list[str], rows: list[list[Any]], widths: list[float], styles: dict[str, ParagraphStyle]
) -> Table:
    cell, head = styles["cell"], styles["head"]
    money_at = [i for i, name in enumerate(header) if name in MONEY_COLUMNS]
    if money_at:  # money reads as on the pages: $145.9M
        rows = [[number_text(v, header[i]) if i in money_at else v for i, v in enumerate(row)]
                for row in rows]  # fmt: skip
    data = _rows(header, head, widths)
    top = len(data)
    body, shades = _body(rows, cell, widths, top)
    table = Table(data + body, colWidths=widths, repeatRows=top)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, top - 1), head.fontName, head.fontSize, head.leading),
                ("TEXTCOLOR", (0, 0), (-1, top - 1), colors.white),
                ("FONT", (0, top), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
                ("BACKGROUND", (0, 0), (-1, top - 1), ACCENT),
                *shades,
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B8C4D3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def number_text(value: Any, column: str = "") -> Any:
    """A number as the pages show it: money ($145.9M) in a money column, else 1,234 or 3.5."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    if column in MONEY_COLUMNS:
        return money(value)
    return figure(value)


def page_footer(text: str, font: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, text)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def facts_table(
    facts: Sequence[tuple[str, Any]], styles: dict[str, ParagraphStyle], width: float
) -> Table:
    rows, shades = _body(facts, styles["cell"], [width * 0.32, width * 0.68], 0)
    table = Table(rows, colWidths=[width * 0.32, width * 0.68])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), styles["cell"].fontName, styles["cell"].fontSize),
                *shades,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#B8C4D3")),
            ]
        )
    )
    return table


@dataclass
class ReportSection:
    """One titled table of a report; ``empty`` is said instead when it has no rows."""

    heading: str
    header: list[str]
    rows: list[list[Any]]
    shares: list[float]  # each column's share of the page width
    empty: str
    note: str = ""


def write_report_pdf(
    path: Path,
    *,
    title: str,
    author: str,
    footer: str,
    facts: Sequence[tuple[str, Any]],
    sections: Sequence[ReportSection],
) -> None:
    """Write a report: ``title``, the ``facts`` table, then each section's table (or its
    ``empty`` sentence), in the plan report's fonts and colours."""
    styles = report_styles()
    width = A4[0] - 36 * mm
    story: list[Any] = [paragraph(title, styles["title"]), Spacer(1, 4 * mm)]
    if facts:
        story += [facts_table(facts, styles, width), Spacer(1, 5 * mm)]
    for section in sections:
        block: list[Any] = [paragraph(section.heading, styles["h1"])]
        if section.note:
            block.append(paragraph(section.note, styles["small"]))
        if section.rows:
            widths = [width * share for share in section.shares]
            block += [Spacer(1, 1.5 * mm), data_table(section.header, section.rows, widths, styles)]
        else:
            block.append(paragraph(section.empty, styles["body"]))
        # A heading stays with the start of its table; a long table still flows over pages.
        story.append(KeepTogether(block))
        story.append(Spacer(1, 3 * mm))
    build_pdf(
        path, story, title=title, author=author, footer=page_footer(footer, styles["body"].fontName)
    )


def build_pdf(path: Path, story: list[Any], *, title: str, author: str, footer: Any) -> None:
    """Lay ``story`` out on A4 pages with ``footer`` drawn on each, written whole or not at all."""
    with atomic_write(path) as temporary:
        doc = SimpleDocTemplate(
            str(temporary),
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=18 * mm,
            title=title,
            author=author,
        )
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
