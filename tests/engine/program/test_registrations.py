"""Deal registration: protection and expiry at the boundary, conflicts, "introduced first",
import (PRM and CRM exports, all or nothing), export, decisions and their undo, the agenda."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import OverlapError
from engine.ownership import assign, set_rules
from engine.program.registration_files import export_registrations, import_registrations
from engine.program.registrations import (
    DEFAULT_PROTECTION_DAYS,
    RegistrationConflict,
    RegistrationInfo,
    add_registration,
    decide_registration,
    delete_registration,
    registration_conflicts,
    registration_settings,
    registrations,
    registrations_by_account,
    registrations_for_agenda,
    restore_registration,
    set_registration_settings,
)
from engine.store.registration_state import registration_touches
from engine.store.workspace import Workspace
from tests.engine.conftest import Mapped

TODAY = date(2026, 3, 15)
DATA = Path(__file__).resolve().parents[2] / "data"


def _count(ws: Workspace) -> int:
    return int(ws.read_frame("SELECT count(*) AS n FROM registration")["n"][0])


def _status(ws: Workspace, registration_id: int, today: date) -> pd.Series:
    frame = registrations(ws, "Globex", today=today)
    return frame[frame["id"] == registration_id].iloc[0]


# ---------------------------------------------------------------------- protection and expiry


def test_protected_through_the_last_day_then_expired(mapped: Mapped) -> None:
    made = add_registration(
        mapped.ws,
        "Globex",
        "Initech",
        side="partner",
        opportunity="Initech ERP rollout",
        amount="$120,000",
        registered_on="2026-01-01",
        status="approved",
        today=date(2026, 1, 1),
    )
    info = made.registration
    assert info.protected_until == "2026-04-01"  # 2026-01-01 + 90 days, both days protected
    assert info.amount == 120_000.0 and made.conflicts == []
    for day, status, left in (
        (date(2026, 3, 31), "approved", 1),
        (date(2026, 4, 1), "approved", 0),  # the last protected day
        (date(2026, 4, 2), "expired", -1),  # the day after: expired, by date alone
    ):
        row = _status(mapped.ws, info.id, day)
        assert (row["status"], row["days_left"]) == (status, left), day
    # Nothing was written: the stored decision is still "approved".
    stored = mapped.ws.read_frame("SELECT status FROM registration")["status"].tolist()
    assert stored == ["approved"]
    # Decided registrations do not expire; a won deal stays won.
    decide_registration(mapped.ws, info.id, "won", today=date(2026, 3, 1))
    assert _status(mapped.ws, info.id, date(2027, 1, 1))["status"] == "won"


def test_the_protection_period_is_a_partnership_setting(mapped: Mapped) -> None:
    assert registration_settings(mapped.ws, "Globex").protection_days == DEFAULT_PROTECTION_DAYS
    first = add_registration(
        mapped.ws, "Globex", "Hooli", side="us", opportunity="Hooli A", today=date(2026, 1, 10)
    ).registration
    saved = set_registration_settings(mapped.ws, "Globex", protection_days=30, by="Ann")
    assert saved.protection_days == 30 and saved.updated_by == "Ann"
    second = add_registration(
        mapped.ws, "Globex", "Stark", side="us", opportunity="Stark B", today=date(2026, 1, 10)
    ).registration
    # The new period applies to new registrations; the earlier one keeps its 90 days.
    assert (first.protected_until, second.protected_until) == ("2026-04-10", "2026-02-09")
    own = add_registration(
        mapped.ws,
        "Globex",
        "Umbrella",
        side="us",
        opportunity="Umbrella C",
        protection_days=10,
        today=date(2026, 1, 10),
    ).registration
    assert own.protected_until == "2026-01-20"
    for bad in (0, 731, "abc", "1.5", -3):
        with pytest.raises(OverlapError, match="whole number of days from 1 to 730"):
            set_registration_settings(mapped.ws, "Globex", protection_days=bad)
    assert registration_settings(mapped.ws, "Globex").protection_days == 30


# ---------------------------------------------------------------------- conflicts


def _register(mapped: Mapped, on: str, side: str = "us", account: str = "Initech", **kw) -> int:
    made = add_registration(
        mapped.ws,
        "Globex",
        account,
        side=side,
        opportunity=kw.pop("opportunity", f"{account} {side} {on}"),
        registered_on=on,
        today=date.fromisoformat(on),
        **kw,
    )
    return made.registration.id


@pytest.mark.parametrize(
    ("second_on", "conflict"),
    [
        ("2026-03-31", True),
        ("2026-04-01", True),  # the first one's last protected day
        ("2026-04-02", False),  # the first one has expired
    ],
)
def test_a_second_registration_inside_the_protection_conflicts(
    mapped: Mapped, second_on: str, conflict: bool
) -> None:
    first = _register(mapped, "2026-01-01", side="partner", status="approved")
    made = add_registration(
        mapped.ws,
        "Globex",
        "id:A1",  # the same account, named by its key
        side="us",
        opportunity="Our Initech deal",
        registered_on=second_on,
        today=date.fromisoformat(second_on),
    )
    assert bool(made.conflicts) is conflict
    if conflict:
        (found,) = made.conflicts
        assert isinstance(found, RegistrationConflict)
        assert (found.first.id, found.second.id) == (first, made.registration.id)
        assert (found.first.side, found.second.side) == ("partner", "us")
        assert found.overlap_from == second_on and found.overlap_until == "2026-04-01"
    table = registration_conflicts(mapped.ws, "Globex", today=date.fromisoformat(second_on))
    assert len(table) == int(conflict)


def test_conflicts_need_two_live_registrations(mapped: Mapped) -> None:
    a = _register(mapped, "2026-02-01", side="partner")
    b = _register(mapped, "2026-02-10", side="partner")  # both of one side: a conflict too
    _register(mapped, "2026-02-12", account="Hooli")  # another account: no conflict
    table = registration_conflicts(mapped.ws, "Globex", today=TODAY)
    assert table[["first_id", "second_id"]].values.tolist() == [[a, b]]
    # Side by side: both records' fields in one row.
    row = table.iloc[0]
    assert row["account_name"] == "Initech"
    assert (row["first_registered_on"], row["second_registered_on"]) == (
        "2026-02-01",
        "2026-02-10",
    )
    assert row["first_protected_until"] == "2026-05-02"
    assert row["first_opportunity"] == "Initech partner 2026-02-01"
    listed = registrations(mapped.ws, "Globex", today=TODAY).set_index("id")
    assert listed.loc[a, "conflicts_with"] == str(b) and listed.loc[b, "conflict"]
    # A rejection ends the conflict; undoing it brings it back.
    before = decide_registration(mapped.ws, b, "rejected", reason="theirs is older", today=TODAY)
    assert registration_conflicts(mapped.ws, "Globex", today=TODAY).empty
    restore_registration(mapped.ws, b, before)
    assert len(registration_conflicts(mapped.ws, "Globex", today=TODAY)) == 1
    # Lost ends it too, and so does expiry: once the first lapses, nothing is left to settle.
    assert len(registration_conflicts(mapped.ws, "Globex", today=date(2026, 5, 2))) == 1
    assert registration_conflicts(mapped.ws, "Globex", today=date(2026, 5, 3)).empty
    decide_registration(mapped.ws, a, "lost", today=TODAY)
    assert registration_conflicts(mapped.ws, "Globex", today=TODAY).empty


# ---------------------------------------------------------------------- introduced first


def _lead(frame: pd.DataFrame, name: str) -> tuple[str, str, str]:
    row = frame[frame["name"] == name].iloc[0]
    return str(row["lead"]), str(row["criterion"]), str(row["rationale"])


def test_a_registration_changes_who_introduced_first(mapped: Mapped) -> None:
    set_rules(
        mapped.ws, "Globex", order=["first_touch", "relationship", "deal_stage", "product_fit"]
    )
    # From the CRMs alone: they first touched Initech on 2023-01-01, we on 2024-03-01.
    assert _lead(assign(mapped.ws, "Globex", today=TODAY), "Initech")[:2] == (
        "partner",
        "first_touch",
    )
    ours = add_registration(
        mapped.ws,
        "Globex",
        "A1",
        side="us",
        opportunity="Initech ERP",
        registered_on="2022-06-01",
        status="approved",
        protection_days=730,
        today=date(2022, 6, 1),
    ).registration
    # Approved and protected on 2024-01-01: our registration is our touch, and it is earlier.
    result = assign(mapped.ws, "Globex", today=date(2024, 1, 1))
    assert _lead(result, "Initech") == (
        "us",
        "first_touch",
        "We lead: we registered a deal for Initech on 2022-06-01, the partner first touched it "
        "on 2023-01-01 (rule 1, introduced first)",
    )
    # Expired: it no longer counts, the CRM dates decide again.
    assert _lead(assign(mapped.ws, "Globex", today=date(2024, 6, 2)), "Initech")[0] == "partner"
    # Submitted or rejected registrations never count.
    decide_registration(mapped.ws, ours.id, "submitted", today=date(2023, 1, 1))
    assert _lead(assign(mapped.ws, "Globex", today=date(2024, 1, 1)), "Initech")[0] == "partner"
    # A won one counts for good.
    decide_registration(mapped.ws, ours.id, "won", today=date(2024, 1, 1))
    assert _lead(assign(mapped.ws, "Globex", today=TODAY), "Initech")[0] == "us"


def test_a_registration_gives_a_side_its_missing_first_touch(mapped: Mapped) -> None:
    set_rules(
        mapped.ws, "Globex", order=["first_touch", "relationship", "deal_stage", "product_fit"]
    )
    # Umbrella: only we recorded a first touch (2022-01-10), so the rule could not decide.
    assert _lead(assign(mapped.ws, "Globex", today=TODAY), "Umbrella")[1] == "relationship"
    add_registration(
        mapped.ws,
        "Globex",
        "Umbrella Corp",
        side="partner",
        opportunity="Umbrella security",
        registered_on="2021-11-02",
        status="approved",
        protection_days=730,
        today=date(2021, 11, 2),
    )
    result = assign(mapped.ws, "Globex", today=date(2022, 6, 1))
    assert _lead(result, "Umbrella") == (
        "partner",
        "first_touch",
        "Partner leads: the partner registered a deal for Umbrella on 2021-11-02, we first "
        "touched it on 2022-01-10 (rule 1, introduced first)",
    )
    # Both sides registered: the earlier registration leads, in the words of both.
    add_registration(
        mapped.ws,
        "Globex",
        "Umbrella",
        side="us",
        opportunity="Umbrella renewal",
        registered_on="2021-10-01",
        status="approved",
        protection_days=730,
        today=date(2021, 11, 2),
    )
    assert _lead(assign(mapped.ws, "Globex", today=date(2022, 6, 1)), "Umbrella")[2] == (
        "We lead: we registered a deal for Umbrella on 2021-10-01, the partner registered one "
        "on 2021-11-02 (rule 1, introduced first)"
    )
    # Registrations leave the other accounts as the CRM dates decide them.
    assert _lead(result, "Initech")[2] == (
        "Partner leads: the partner first touched Initech on 2023-01-01, we on 2024-03-01 "
        "(rule 1, introduced first)"
    )


def test_registration_touches_are_the_earliest_counting_dates(mapped: Mapped) -> None:
    _register(mapped, "2026-01-05", status="approved")
    _register(mapped, "2026-01-20", status="approved", opportunity="later")
    _register(mapped, "2026-01-02", side="partner", status="rejected", reason="no")
    touches = registration_touches(mapped.ws, "Globex", today=TODAY)
    assert touches.to_dict(orient="records") == [
        {
            "our_key": "id:A1",
            "partner_key": "id:G1",
            "us": pd.Timestamp("2026-01-05"),
            "partner": pd.NaT,
        }
    ]


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ("Nobody Industries", "'Nobody Industries' is not an account of ours or of Globex"),
        ("Wayne", "'Wayne' is our account but is not shared with Globex"),
        ("G7", "'G7' is Globex's account but is not shared with us"),
        ("Acme Widgets", "'Acme Widgets' is our account but is not shared"),  # in review only
        ("", "name the account"),
    ],
)
def test_a_registration_needs_a_shared_account(mapped: Mapped, account: str, message: str) -> None:
    with pytest.raises(OverlapError, match=message):
        add_registration(mapped.ws, "Globex", account, side="us", opportunity="X", today=TODAY)
    assert _count(mapped.ws) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"side": "them"}, "the side that registers is 'us' or 'partner', not 'them'"),
        ({"opportunity": " "}, "needs the opportunity's name"),
        ({"amount": "lots"}, "the amount 'lots' is not a number"),
        ({"amount": -5}, "not a positive number"),
        ({"registered_on": "2026-13-01"}, "registration date '2026-13-01' is not a date"),
        ({"registered_on": "2026-03-16"}, "after today"),
        ({"expected_close": "soon"}, "expected close date 'soon' is not a date"),
        ({"status": "maybe"}, "status is one of submitted, approved"),
        ({"protection_days": 0}, "whole number of days"),
    ],
)
def test_bad_fields_are_refused(mapped: Mapped, fields: dict, message: str) -> None:
    values = {"side": "us", "opportunity": "Initech ERP", **fields}
    with pytest.raises(OverlapError, match=message):
        add_registration(mapped.ws, "Globex", "Initech", today=TODAY, **values)
    assert _count(mapped.ws) == 0


def test_a_known_registration_id_is_refused(mapped: Mapped) -> None:
    _register(mapped, "2026-01-05", external_id="DR-9")
    with pytest.raises(OverlapError, match="registration id 'DR-9' exists already"):
        _register(mapped, "2026-01-06", external_id="DR-9", account="Hooli")
    assert _count(mapped.ws) == 1


def test_decisions_and_their_undo(mapped: Mapped) -> None:
    reg = _register(mapped, "2026-01-05")
    with pytest.raises(OverlapError, match="a rejection needs a reason"):
        decide_registration(mapped.ws, reg, "rejected", today=TODAY)
    with pytest.raises(OverlapError, match="one of submitted, approved, rejected, won, lost"):
        decide_registration(mapped.ws, reg, "expired", today=TODAY)
    with pytest.raises(OverlapError, match="there is no registration 99"):
        decide_registration(mapped.ws, 99, "approved", today=TODAY)
    with pytest.raises(OverlapError, match="before the registration"):
        decide_registration(mapped.ws, reg, "approved", on="2026-01-01", today=TODAY)
    before = decide_registration(mapped.ws, reg, "approved", by="Ann", today=TODAY)
    assert before.status == "submitted" and before.decided_on is None
    row = _status(mapped.ws, reg, TODAY)
    assert (row["status"], row["decided_on"], row["decided_by"]) == (
        "approved",
        "2026-03-15",
        "Ann",
    )
    with pytest.raises(OverlapError, match="is approved already"):
        decide_registration(mapped.ws, reg, "approved", today=TODAY)
    again = decide_registration(mapped.ws, reg, "rejected", reason="duplicate of DR-1", today=TODAY)
    assert _status(mapped.ws, reg, TODAY)["decision_reason"] == "duplicate of DR-1"
    restore_registration(mapped.ws, reg, again)
    assert _status(mapped.ws, reg, TODAY)["status"] == "approved"
    restore_registration(mapped.ws, reg, before)
    assert _status(mapped.ws, reg, TODAY)["status"] == "submitted"
    # Past its protection it cannot be approved, only closed.
    with pytest.raises(OverlapError, match=r"expired after 2026-04-05 .* register the deal again"):
        decide_registration(mapped.ws, reg, "approved", today=date(2026, 4, 6))
    decide_registration(mapped.ws, reg, "lost", today=date(2026, 4, 6))
    delete_registration(mapped.ws, reg)
    assert _count(mapped.ws) == 0
    with pytest.raises(OverlapError, match="there is no registration"):
        delete_registration(mapped.ws, reg)


# ---------------------------------------------------------------------- import and export


def test_import_a_prm_export(mapped: Mapped) -> None:
    result = import_registrations(
        mapped.ws, "Globex", DATA / "registrations_prm.csv", today=TODAY, by="Ann"
    )
    assert (result.rows, result.added, result.updated) == (5, 5, 0)
    assert result.columns["account_name"] == "End Customer Account Name"
    assert result.columns["side"] == "Partner Account"
    frame = registrations(mapped.ws, "Globex", today=TODAY).set_index("external_id")
    assert set(frame["side"]) == {"partner"}
    assert frame.loc[
        "DR-0001", ["account_name", "status", "amount", "protected_until"]
    ].tolist() == [
        "Initech",  # "Initech Inc" in their list, shared with our Initech
        "approved",
        120_000.0,
        "2026-04-15",  # the file's expiration date
    ]
    assert frame.loc["DR-0001", "decided_on"] == "2026-01-16"
    assert frame.loc["DR-0002", "status"] == "submitted"  # "Pending Approval"
    assert frame.loc["DR-0003", ["status", "decision_reason"]].tolist() == [
        "rejected",
        "Acme already works the account",
    ]
    assert frame.loc["DR-0004", "status"] == "expired"
    assert frame.loc["DR-0005", "amount"] == 250_000.0  # "$250k"
    assert frame.loc["DR-0005", "expected_close"] == "2026-09-30"
    # The same export again updates, it does not add.
    again = import_registrations(mapped.ws, "Globex", DATA / "registrations_prm.csv", today=TODAY)
    assert (again.added, again.updated) == (0, 5)
    assert _count(mapped.ws) == 5


def test_import_a_european_crm_export_with_both_sides(mapped: Mapped) -> None:
    result = import_registrations(
        mapped.ws, "Globex", DATA / "registrations_crm_semicolon.csv", today=TODAY
    )
    assert result.added == 3 and result.conflicts == 1
    frame = registrations(mapped.ws, "Globex", today=TODAY).set_index("external_id")
    assert frame.loc["R-17", ["side", "account_name", "opportunity", "amount"]].tolist() == [
        "us",  # "Acme Corp": our company's name
        "Initech",
        "Initech Überwachung",
        12_500.0,
    ]
    assert frame.loc["R-17", "registered_on"] == "2026-02-13"  # 13.02.2026, day first
    assert frame.loc["R-18", ["side", "status", "amount"]].tolist() == [
        "partner",
        "submitted",
        9_900.5,
    ]
    assert frame.loc["R-19", ["side", "status", "account_name"]].tolist() == [
        "us",
        "won",
        "Soylent",
    ]
    assert frame.loc["R-17", "conflicts_with"] == str(frame.loc["R-18", "id"])


def test_a_bad_row_names_its_row_and_column_and_nothing_is_imported(
    mapped: Mapped, tmp_path: Path
) -> None:
    with pytest.raises(OverlapError) as caught:
        import_registrations(
            mapped.ws, "Globex", DATA / "registrations_bad.csv", side="partner", today=TODAY
        )
    assert str(caught.value) == (
        "registrations_bad.csv, row 4, column 'Account Name': 'Nobody Industries' is not an "
        "account of ours or of Globex; give the name or CRM id of a shared account; 1 more row "
        "has problems too; nothing was imported"
    )
    assert _count(mapped.ws) == 0
    # Without the unknown account, the bad date is the first problem.
    lines = (DATA / "registrations_bad.csv").read_text(encoding="utf-8").splitlines()
    fixed = tmp_path / "bad_date.csv"
    fixed.write_text("\n".join(lines[:3] + lines[4:]) + "\n", encoding="utf-8")
    with pytest.raises(
        OverlapError,
        match=r"bad_date.csv, row 5, column 'Registered Date': 'the 5th of March' is not a date",
    ):
        import_registrations(mapped.ws, "Globex", fixed, side="partner", today=TODAY)
    assert _count(mapped.ws) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Opportunity Name,Registered Date\nX,2026-01-01\n", "no account column"),
        ("Account Name,Registered Date\nInitech,2026-01-01\n", "no opportunity name column"),
        ("Account Name,Opportunity Name\nInitech,X\n", "no registered date column"),
        (
            "Account Name,Opportunity Name,Registered Date\nInitech,X,2026-01-01\n",
            "does not say who registered each deal",
        ),
        (
            "Account Name,Opportunity Name,Registered Date,Partner\n"
            "Initech,X,2026-01-01,Hooli Inc\n",
            "row 2, column 'Partner': 'Hooli Inc' is neither us \\(Acme Corp\\) nor the partner",
        ),
        (
            "Account Name,Opportunity Name,Registered Date,Partner,Status\n"
            "Initech,X,2026-01-01,Globex,Maybe\n",
            "row 2, column 'Status': 'Maybe' is not a registration status",
        ),
        (
            "Account Name,Opportunity Name,Registered Date,Partner,Amount\n"
            "Initech,X,2026-01-01,Globex,lots\n",
            "row 2, column 'Amount': the amount 'lots' is not a number",
        ),
        (
            "Account Name,Opportunity Name,Registered Date,Partner\nInitech,,2026-01-01,Globex\n",
            "row 2, column 'Opportunity Name': the opportunity name is empty",
        ),
        (
            "Deal Registration ID,Account Name,Opportunity Name,Registered Date,Partner\n"
            "D1,Initech,X,2026-01-01,Globex\nD1,Hooli,Y,2026-01-02,Globex\n",
            "row 3, column 'Deal Registration ID': registration id 'D1' is also on row 2",
        ),
        (
            "Account Name,Opportunity Name,Registered Date,Partner,Expiration Date\n"
            "Initech,X,2026-01-10,Globex,2026-01-01\n",
            "row 2, column 'Expiration Date': the registration expires \\(2026-01-01\\) before",
        ),
        (
            "Account Name,Opportunity Name,Registered Date,Partner\nInitech,X,2026-04-01,Globex\n",
            "row 2, column 'Registered Date': the registration date 2026-04-01 is after today",
        ),
    ],
)
def test_bad_files(mapped: Mapped, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "deal_regs.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OverlapError, match=message):
        import_registrations(mapped.ws, "Globex", path, today=TODAY)
    assert _count(mapped.ws) == 0


def test_export_is_formula_safe_recorded_and_reads_back(mapped: Mapped, tmp_path: Path) -> None:
    import_registrations(mapped.ws, "Globex", DATA / "registrations_prm.csv", today=TODAY)
    _register(mapped, "2026-03-01", opportunity='=HYPERLINK("http://x","y")')
    path = export_registrations(mapped.ws, "Globex", tmp_path / "regs.csv", today=TODAY)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(frame) == 6
    assert frame.columns[:6].tolist() == [
        "Registration ID",
        "Account Name",
        "Account ID",
        "Partner Account ID",
        "Registered By",
        "Opportunity Name",
    ]
    ours = frame[frame["Registered By"] == "Acme Corp"].iloc[0]
    assert ours["Opportunity Name"].startswith("'=HYPERLINK")  # text, never a formula
    assert set(frame["Status"]) == {"approved", "submitted", "rejected", "expired"}
    assert frame.loc[frame["Registration ID"] == "DR-0001", "Conflict"].item() == "yes"
    with contextlib.closing(sqlite3.connect(mapped.ws.path)) as con:
        ledger = con.execute("SELECT kind, path, row_count FROM egressrecord").fetchall()
    assert ledger == [("list", str(path), 6)]
    # Read back into the same workspace: every row is known, nothing is added.
    back = import_registrations(mapped.ws, "Globex", path, today=TODAY)
    assert (back.added, back.updated) == (0, 6)
    # XLSX too, with text cells.
    xlsx = export_registrations(
        mapped.ws, "Globex", tmp_path / "regs.xlsx", today=TODAY, status="approved"
    )
    assert len(pd.read_excel(xlsx, engine="calamine")) == 2


def test_export_to_a_missing_folder(mapped: Mapped, tmp_path: Path) -> None:
    with pytest.raises(OverlapError, match="the folder does not exist"):
        export_registrations(mapped.ws, "Globex", tmp_path / "nowhere" / "regs.csv")


# ---------------------------------------------------------------------- per account, agenda


def test_per_account_and_filters(mapped: Mapped) -> None:
    import_registrations(mapped.ws, "Globex", DATA / "registrations_prm.csv", today=TODAY)
    import_registrations(mapped.ws, "Globex", DATA / "registrations_crm_semicolon.csv", today=TODAY)
    initech = registrations(mapped.ws, "Globex", today=TODAY, account="G1")
    assert sorted(initech["external_id"]) == ["DR-0001", "R-17", "R-18"]
    assert registrations(mapped.ws, "Globex", today=TODAY, account="initech inc")[
        "id"
    ].tolist() == (initech["id"].tolist())
    assert registrations(mapped.ws, "Globex", today=TODAY, status="rejected")[
        "external_id"
    ].tolist() == ["DR-0003"]
    with pytest.raises(OverlapError, match="status is one of"):
        registrations(mapped.ws, "Globex", status="pending")
    with pytest.raises(OverlapError, match="not an account of ours or of Globex"):
        registrations(mapped.ws, "Globex", account="Nobody")
    accounts = registrations_by_account(mapped.ws, "Globex", today=TODAY).set_index("account_name")
    assert accounts.loc["Initech", ["registrations", "active", "holder", "conflicts"]].tolist() == [
        3,
        3,
        "both",
        3,
    ]
    assert accounts.loc["Umbrella", ["active", "holder"]].tolist() == [0, ""]
    assert accounts.loc["Stark", ["holder", "protected_until"]].tolist() == [
        "partner",
        "2026-05-30",
    ]


def test_agenda_lists_expiring_registrations_and_conflicts(mapped: Mapped) -> None:
    import_registrations(mapped.ws, "Globex", DATA / "registrations_prm.csv", today=TODAY)
    import_registrations(mapped.ws, "Globex", DATA / "registrations_crm_semicolon.csv", today=TODAY)
    agenda = registrations_for_agenda(mapped.ws, "Globex", today=date(2026, 4, 1))
    expiring = agenda["expiring"]
    assert [(i.account_name, i.protected_until, i.days_left) for i in expiring] == [
        ("Initech", "2026-04-15", 14)  # 14 days ahead is still in; the won Soylent one is not
    ]
    assert isinstance(expiring[0], RegistrationInfo) and expiring[0].side == "partner"
    assert expiring[0].to_dict()["opportunity"] == "Initech ERP rollout"
    conflicts = agenda["conflicts"]
    assert [(c.first.external_id, c.second.external_id) for c in conflicts] == [
        ("DR-0001", "R-17"),
        ("DR-0001", "R-18"),
        ("R-17", "R-18"),
    ]
    assert [i.external_id for i in agenda["pending"]] == ["DR-0002", "R-18"]
    later = registrations_for_agenda(mapped.ws, "Globex", today=date(2026, 4, 2), within_days=0)
    assert later["expiring"] == []
    with pytest.raises(OverlapError):
        registrations_for_agenda(mapped.ws, "Globex", today=TODAY, within_days=-1)


# ---------------------------------------------------------------------- the workspace file


def test_a_v4_workspace_migrates_through_to_registrations(tmp_path: Path) -> None:
    path = tmp_path / "acme.overlap"
    shutil.copy(DATA / "workspace_v4.overlap", path)
    with Workspace.open(path) as ws:
        partner = ws.partners()[0].name
        assert registrations(ws, partner).empty


# ---------------------------------------------------------------------- command line


def test_command_line(mapped: Mapped, tmp_path: Path, capsys) -> None:
    from engine.cli import main

    path = str(mapped.ws.path)
    mapped.ws.close()  # the commands open the workspace themselves
    p = ["--partner", "Globex", "--today", "2026-03-15"]
    prm = str(DATA / "registrations_prm.csv")
    assert main(["registration", "import", path, prm, *p]) == 0
    assert "5 registrations read, 5 added" in capsys.readouterr().out
    add = ["registration", "add", path, *p, "--account", "A1", "--side", "us"]
    assert main([*add, "--opportunity", "Initech ERP", "--amount", "50000"]) == 0
    out = capsys.readouterr().out
    assert "registration 6: Initech, Initech ERP (submitted), protected until 2026-06-13" in out
    assert "conflict: registration 1 (partner, Initech ERP rollout)" in out
    assert main(["registration", "conflicts", path, *p]) == 0
    out = capsys.readouterr().out
    assert "Initech: protected twice from 2026-03-15 to 2026-04-15" in out
    assert "Initech ERP rollout" in out and "Initech ERP " in out
    assert main(["registration", "decide", path, "6", "--reject", "--today", "2026-03-15"]) == 2
    assert "error: a rejection needs a reason" in capsys.readouterr().err
    decide = ["registration", "decide", path, "6", "--reject", "--reason", "theirs first"]
    assert main([*decide, "--today", "2026-03-15"]) == 0
    assert main(["registration", "conflicts", path, *p, "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 2  # the header, and the decision line
    assert main(["registration", "list", path, *p, "--status", "rejected", "--format", "json"]) == 0
    assert capsys.readouterr().out.count('"status":"rejected"') == 2
    assert main(["registration", "accounts", path, *p]) == 0
    assert "Initech" in capsys.readouterr().out
    assert main(["registration", "settings", path, "--partner", "Globex"]) == 0
    assert "protected for 90 days" in capsys.readouterr().out
    settings = ["registration", "settings", path, "--partner", "Globex", "--protection-days"]
    assert main([*settings, "60"]) == 0
    assert main([*settings, "1000"]) == 2
    assert "from 1 to 730" in capsys.readouterr().err
    export = tmp_path / "regs.csv"
    assert main(["registration", "export", path, str(export), *p]) == 0
    assert len(pd.read_csv(export, encoding="utf-8-sig")) == 6
    add = ["registration", "add", path, *p, "--account", "Tyrell", "--side", "partner"]
    assert main([*add, "--opportunity", "X"]) == 2
    assert "error: 'Tyrell' is Globex's account but is not shared with us" in (
        capsys.readouterr().err
    )
    bad = ["registration", "import", path, str(DATA / "registrations_bad.csv"), *p]
    assert main([*bad, "--side", "partner"]) == 2
    assert "row 4, column 'Account Name'" in capsys.readouterr().err
    assert main(["registration", "list", path, *p, "--today", "yesterday"]) == 2
    assert main(["registration", "remove", path, "6"]) == 0
    with Workspace.open(path) as ws:
        assert _count(ws) == 5


def test_today_is_the_users_calendar_day_not_utcs(mapped: Mapped, day_apart_from_utc) -> None:
    """A deal registered today, in the user's time zone, is accepted and dated that day: in
    Tokyo before 09:00 UTC is still yesterday, and a date-only field means the local day."""
    local = day_apart_from_utc
    made = add_registration(
        mapped.ws, "Globex", "Initech", side="us", opportunity="Dated today", registered_on=local
    ).registration
    assert made.registered_on == local.isoformat() and made.days_left == DEFAULT_PROTECTION_DAYS
    default = add_registration(
        mapped.ws, "Globex", "Hooli", side="us", opportunity="Not dated"
    ).registration
    assert default.registered_on == local.isoformat()
