"""Step 1 in the window: choose a file, check and change the mapping, import, profile, template."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop.pages.importing import ColumnMappingModel
from tests.desktop.conftest import wait_idle
from tests.desktop.exports import write_ours, write_partner
from tests.desktop.steps import LEFT, add_partner, go, import_file, new_workspace


def test_mapping_model_contract(qtmodeltester) -> None:
    import pandas as pd

    model = ColumnMappingModel()
    model.set_rows(
        pd.DataFrame(
            [
                {
                    "header": "Account Name",
                    "samples": "Zoetis",
                    "field": "name",
                    "confidence": 95,
                    "reason": "known",
                },
                {
                    "header": "Web",
                    "samples": "x.com",
                    "field": "",
                    "confidence": 0,
                    "reason": "extra",
                },
            ]
        )
    )
    qtmodeltester.check(model, force_py=True)


def test_import_both_sides_with_preview_and_rejected_rows(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    ours = write_ours(tmp_path / "acme_salesforce.csv")
    page = go(qtbot, window, "import")
    dialogs.open_files.append(str(ours))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)
    # The proposed mapping: Salesforce headers found, with confidence and a combo per column.
    model = page.mapping_model
    fields = {row["header"]: row["field"] for row in model.rows}
    assert fields["Account Name"] == "name"
    assert fields["Website"] == "domains"
    assert fields["Type"] == "stage"
    editor = page.mapping_table.indexWidget(model.index(1, ColumnMappingModel.FIELD))
    assert editor is not None and editor.currentText() == "Company name"
    # Fields read by the template's words, never the code words.
    shown = [model.index(r, ColumnMappingModel.FIELD).data() for r in range(model.rowCount())]
    items = [editor.itemText(i) for i in range(editor.count())]
    for code_word in ("external_id", "annual_revenue", "deal_close_date"):
        assert code_word not in shown and code_word not in items
        assert code_word not in page.validation_label.text()
    assert "CRM ID" in items and "Annual revenue" in items and "Expected close date" in items
    # Preview rows, validation summary and the rejected row with its row number and reason.
    assert page.preview_model.rowCount() == 50
    assert "50" in page.validation_label.text() and "rejected" in page.validation_label.text()
    assert page.rejected_model.rowCount() == 1
    assert page.rejected_model.index(0, 1).data() == "no account name"

    # Change a field with the combo: Industry left out, the preview follows.
    row = next(i for i, r in enumerate(model.rows) if r["header"] == "Industry")
    combo = page.mapping_table.indexWidget(model.index(row, ColumnMappingModel.FIELD))
    combo.setCurrentText("(keep as extra column)")
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: not page._preview_timer.isActive(), timeout=3000)
    wait_idle(qtbot, window)
    assert "Industry" in page.validation_label.text()
    assert model.rows[row]["field"] == ""
    # A field chosen by its words is stored as the field itself.
    assert model.setData(model.index(row, ColumnMappingModel.FIELD), "Industry")
    assert model.rows[row]["field"] == "industry"
    assert model.setData(model.index(row, ColumnMappingModel.FIELD), "(keep as extra column)")
    qtbot.waitUntil(lambda: not page._preview_timer.isActive(), timeout=3000)
    wait_idle(qtbot, window)
    assert page.preview_model.index(0, page.preview_model.column_index("industry")).data() == ""

    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert "Imported 50 accounts" in page.validation_label.text()
    assert "Acme Corp (us)</b>: 50 accounts" in page.sides_label.text()
    # The side switches to the partner, whose list is still missing.
    assert page.side_combo.currentData() == "Globex"
    import_file(qtbot, window, dialogs, write_partner(tmp_path / "globex_hubspot.csv"), "Globex")
    assert (
        "Globex (partner)</b>: 45 accounts" in page.sides_label.text()
        or "Globex</b>: 45" in page.sides_label.text()
    )
    assert window.summary.states["import"][0] == "done"


def test_profile_and_template(qtbot, window, dialogs, tmp_path: Path) -> None:
    new_workspace(qtbot, window, tmp_path)
    page = go(qtbot, window, "import")
    dialogs.save_files.append(str(tmp_path / "template.xlsx"))
    qtbot.mouseClick(page.template_button, LEFT)
    wait_idle(qtbot, window)
    assert (tmp_path / "template.xlsx").stat().st_size > 0
    dialogs.open_files.append(str(write_ours(tmp_path / "ours.csv")))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)
    dialogs.texts.append("Salesforce accounts")
    qtbot.mouseClick(page.profile_button, LEFT)
    wait_idle(qtbot, window)
    assert "Salesforce accounts" in page.footer_note.text()


def test_a_broken_file_is_explained(qtbot, window, dialogs, tmp_path: Path) -> None:
    new_workspace(qtbot, window, tmp_path)
    page = go(qtbot, window, "import")
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    dialogs.open_files.append(str(bad))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)
    assert "empty.csv" in page.validation_label.text() or "empty" in page.validation_label.text()
    assert not page.import_button.isEnabled()
    assert page.accessibleName() == "Import page"
    assert page.help.toggle.isChecked()
    qtbot.mouseClick(page.help.toggle, Qt.MouseButton.LeftButton)
    assert not page.help.body.isVisible()


def test_an_export_under_half_the_list_is_imported_only_when_confirmed(
    qtbot, window, dialogs, tmp_path: Path, monkeypatch
) -> None:
    from desktop import dialogs as dialogs_module

    new_workspace(qtbot, window, tmp_path)
    page = import_file(qtbot, window, dialogs, write_ours(tmp_path / "ours.csv"), "us")  # 50
    asked: list[str] = []

    def confirm(_parent, _title: str, text: str) -> bool:
        asked.append(text)
        return dialogs.confirms.pop(0)

    monkeypatch.setattr(dialogs_module, "confirm", confirm)
    small = tmp_path / "ours_page1.csv"
    small.write_text("Account Name,Website\nInitech,initech.com\nHooli,hooli.com\n")
    page.side_combo.setCurrentIndex(page.side_combo.findData("us"))
    dialogs.open_files.append(str(small))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)

    dialogs.confirms.append(False)
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert len(asked) == 1
    assert "ours_page1.csv" in asked[0] and "2 accounts" in asked[0] and "50" in asked[0]
    assert "not imported" in page.validation_label.text().lower()
    assert "(us)</b>: 50 accounts" in page.sides_label.text()
    assert page.import_button.isEnabled()

    dialogs.confirms.append(True)
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert len(asked) == 2
    assert "Imported 2 accounts" in page.validation_label.text()
    assert "(us)</b>: 2 accounts" in page.sides_label.text()
    assert dialogs.errors() == []


def test_an_export_without_accounts_is_refused(qtbot, window, dialogs, tmp_path: Path) -> None:
    new_workspace(qtbot, window, tmp_path)
    page = import_file(qtbot, window, dialogs, write_ours(tmp_path / "ours.csv"), "us")
    empty = tmp_path / "ours_header_only.csv"
    empty.write_text("Account Name,Website,Type\r\n")
    page.side_combo.setCurrentIndex(page.side_combo.findData("us"))
    dialogs.open_files.append(str(empty))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert [e for e in dialogs.errors() if "ours_header_only.csv" in e and "no accounts" in e]
    assert "confirm" not in [kind for kind, _title in dialogs.calls]
    assert "(us)</b>: 50 accounts" in page.sides_label.text()


def test_a_refresh_under_half_the_partners_list_is_done_only_when_confirmed(
    qtbot, window, dialogs, tmp_path: Path, monkeypatch
) -> None:
    """The Dashboard's refresh asks the Import page's question before a short export of the
    partner replaces its list."""
    from desktop import dialogs as dialogs_module

    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    import_file(qtbot, window, dialogs, write_ours(tmp_path / "ours.csv"), "us")
    import_file(qtbot, window, dialogs, write_partner(tmp_path / "theirs.csv"), "Globex")
    asked: list[str] = []

    def confirm(_parent, _title: str, text: str) -> bool:
        asked.append(text)
        return dialogs.confirms.pop(0)

    monkeypatch.setattr(dialogs_module, "confirm", confirm)
    small = tmp_path / "theirs_page1.csv"
    small.write_text("Company name,Company Domain Name\nInitech,initech.com\n")
    before = go(qtbot, window, "import").sides_label.text()
    for answer in (False, True):
        dashboard = go(qtbot, window, "dashboard")
        dialogs.open_files.append(str(small))
        dialogs.confirms.append(answer)
        dashboard.refresh_mapping()
        wait_idle(qtbot, window)
        after = go(qtbot, window, "import").sides_label.text()
        assert (after == before) is (not answer)
    assert "Globex</b>: 1 accounts" in after or "Globex</b>: 1 account" in after
    assert len(asked) == 2 and "theirs_page1.csv" in asked[0] and "1 account," in asked[0]
    assert dialogs.errors() == []


def test_our_file_picked_for_the_partner_is_imported_only_when_confirmed(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    ours = write_ours(tmp_path / "acme_salesforce.csv")
    page = import_file(qtbot, window, dialogs, ours, "us")
    page.side_combo.setCurrentIndex(page.side_combo.findData("Globex"))
    dialogs.open_files.append(str(ours))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)

    dialogs.confirms.append(False)
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert ("confirm", "Import anyway?") in dialogs.calls
    assert "not imported" in page.validation_label.text().lower()
    assert "Globex</b>: 50" not in page.sides_label.text()
    assert page.import_button.isEnabled()
    assert dialogs.errors() == []

    dialogs.confirms.append(True)
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert "Imported 50 accounts" in page.validation_label.text()
    assert "50 accounts" in page.sides_label.text().split("Globex")[1]
    assert dialogs.errors() == []
