"""The PDF plan report a partner reads without Overlap: cover summary, the rules of engagement,
the overlap by stage, then one section per account plan, built from the share package in the
report layout of ``engine.output.pdf`` (which also lays out the sync agenda).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from engine.output.pdf import (
    build_pdf,
    data_table,
    facts_table,
    number_text,
    page_footer,
    paragraph,
    report_styles,
)
from engine.output.safe_cells import cell_text
from engine.sharing.package_rows import matrix_rows, rules_rows
from engine.sharing.policy import SharePackage


def _footer(package: SharePackage, font: str) -> Any:
    return page_footer(
        f"{package.us} and {package.partner}: joint account plans (confidential)", font
    )


def write_pdf(path: Path, package: SharePackage) -> None:
    """Write the report of ``package`` to ``path``."""
    styles = report_styles()
    width = A4[0] - 36 * mm
    story: list[Any] = [
        paragraph(f"Joint account plans: {package.us} and {package.partner}", styles["title"]),
        Spacer(1, 4 * mm),
    ]
    cover = facts_table(package.summary_lines(), styles, width)
    story += [cover, Spacer(1, 6 * mm)]
    for warning in package.warnings:
        story.append(paragraph(f"Note: {warning}", styles["small"]))
    if package.shares_matrix:
        story += _matrix_section(package, styles, width)
    if package.shares_rules:
        story += _rules_section(package, styles, width)
    if not package.counts_only and not package.plans.empty:
        if package.shares_matrix or package.shares_rules:
            story.append(PageBreak())
        story.append(paragraph("Account plans", styles["h1"]))
        story += _plan_sections(package, styles, width)
    build_pdf(
        path,
        story,
        title=f"Joint account plans: {package.us} and {package.partner}",
        author=package.us,
        footer=_footer(package, styles["body"].fontName),
    )


def _matrix_section(
    package: SharePackage, styles: dict[str, ParagraphStyle], width: float
) -> list[Any]:
    header, rows = matrix_rows(package)
    first = width * 0.28
    return [
        paragraph("Shared accounts by stage", styles["h1"]),
        data_table(
            header,
            rows,
            [first] + [(width - first) / (len(header) - 1)] * (len(header) - 1),
            styles,
        ),
    ]


def _rules_section(
    package: SharePackage, styles: dict[str, ParagraphStyle], width: float
) -> list[Any]:
    story: list[Any] = [paragraph("Rules of engagement", styles["h1"])]
    version = f"version {package.rules_version}" if package.rules_version else "none agreed yet"
    story.append(
        paragraph(
            f"Who leads a shared account is decided by the first rule that decides ({version}).",
            styles["body"],
        )
    )
    story.append(Spacer(1, 2 * mm))
    rules = rules_rows(package)
    if rules:
        story.append(
            data_table(
                ["#", "Criterion", "How it decides"],
                rules,
                [width * 0.06, width * 0.3, width * 0.64],
                styles,
            )
        )
    return story


def _rows_by_plan(frame: Any, columns: list[str]) -> dict[Any, list[list[Any]]]:
    """Rows of ``columns`` grouped by plan number, as plain lists (no pandas per plan)."""
    grouped: dict[Any, list[list[Any]]] = {}
    if frame.empty:
        return grouped
    clean = frame.astype(object).where(frame.notna(), None)
    for plan, *values in clean[["Plan", *columns]].itertuples(index=False):
        grouped.setdefault(plan, []).append(list(values))
    return grouped


# Each table of a plan section: its columns and their share of the page width.
_SECTION_TABLES = (
    ("roles", ["Party", "Person", "Role", "Responsibility"], [0.17, 0.2, 0.2, 0.43]),
    ("steps", ["Next step", "Owner", "Person", "Due", "Done"], [0.44, 0.15, 0.17, 0.14, 0.1]),
    ("metrics", ["Metric", "Target", "Actual", "Unit"], [0.46, 0.18, 0.18, 0.18]),
)


def _plan_sections(
    package: SharePackage, styles: dict[str, ParagraphStyle], width: float
) -> list[Any]:
    tables = {
        name: (
            columns,
            [width * share for share in shares],
            _rows_by_plan(getattr(package, name), columns),
        )
        for name, columns, shares in _SECTION_TABLES
    }
    skip = {"Plan", "Account", "Objective", "Open steps"}
    story: list[Any] = []
    for plan in package.plans.to_dict("records"):
        number = plan["Plan"]
        title = plan.get("Account") or f"Account {number}"
        block: list[Any] = [paragraph(f"{title} ({number})", styles["h2"])]
        facts = [
            f"<b>{escape(str(k))}:</b> {escape(cell_text(number_text(v, str(k))))}"
            for k, v in plan.items()
            if k not in skip and cell_text(v)
        ]
        if facts:
            block.append(Paragraph(" &nbsp;·&nbsp; ".join(facts), styles["body"]))
        if plan.get("Objective"):
            block.append(
                Paragraph(
                    f"<b>Objective:</b> {escape(cell_text(plan['Objective']))}", styles["body"]
                )
            )
        story.append(KeepTogether(block))
        for columns, widths, rows in tables.values():
            if number in rows:
                story += [Spacer(1, 1.5 * mm), data_table(columns, rows[number], widths, styles)]
        story.append(Spacer(1, 4 * mm))
    return story
