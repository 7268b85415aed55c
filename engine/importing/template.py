"""The empty export Overlap writes for a partner without a CRM (XLSX or CSV)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from engine.errors import OverlapError
from engine.importing.mapping import STANDARD_FIELDS
from engine.importing.raw import TEMPLATE_HELP_MARK
from engine.output.formats import field_label


def write_template(path: str | Path) -> Path:
    """An empty export to send a partner without a CRM: XLSX or CSV, chosen by the suffix.

    Row 1 has the standard fields' names as a person reads them ("CRM ID", "Annual revenue"),
    row 2 a line explaining each (it starts with "↑ ", and Overlap skips it when the file comes
    back); Overlap maps the names back to its fields.
    """
    from engine.output.files import atomic_write

    path = Path(path)
    headers = [field_label(name) for name in STANDARD_FIELDS]
    help_row = [TEMPLATE_HELP_MARK + text for text in STANDARD_FIELDS.values()]
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise OverlapError("the template can be written as .xlsx or .csv", where=str(path))
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerow(help_row)
        with atomic_write(path) as temporary:
            temporary.write_bytes(codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"))
        return path
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    with atomic_write(path) as temporary:
        workbook = xlsxwriter.Workbook(str(temporary))
        try:
            sheet = workbook.add_worksheet("Accounts")
            bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
            note = workbook.add_format(
                {"italic": True, "font_color": "#666666", "text_wrap": True, "valign": "top"}
            )
            for j, (header, text) in enumerate(zip(headers, help_row, strict=True)):
                sheet.write_string(0, j, header, bold)
                sheet.write_string(1, j, text, note)
                sheet.set_column(j, j, max(14, min(40, len(header) + 6)))
            sheet.set_row(1, 45)
            sheet.freeze_panes(2, 0)
        finally:
            try:
                workbook.close()
            except FileCreateError as error:
                raise error.args[0] from None  # the OSError, for atomic_write to explain
    return path
