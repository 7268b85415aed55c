"""The share policy is obeyed by every file that leaves: for each output (plan file, XLSX, PDF,
CSV, agenda as text and PDF, calendar, e-mail summary) and each field a policy can keep home,
the field's values appear nowhere in the bytes written once it is unticked (XLSX members and PDF
streams decompressed, calendar lines unfolded), and appear somewhere once it is ticked.

The workspace's values are chosen to be found: an industry of "Xylography", a country of
"Ruritania", a rationale about a quokka, and so on.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engine import export_agenda, export_calendar, export_share, set_share_policy, share_preview
from engine.output import pdf as report_pdf
from engine.plans import generated_objective
from engine.program.outreach import set_plan_insight, set_why_together
from engine.program.sync import set_sync_schedule
from engine.sharing.handoff import handoff_summary
from engine.sharing.policy import SHARE_FIELDS
from engine.store.models import Assignment, MappingRun
from engine.store.workspace import Workspace, now
from tests.engine.sharing_helpers import add_matches, add_plan, add_rules, add_snapshot, key_of

SOON = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()

# What each field's values look like in a file: any of these found means the field leaked.
SENTINELS: dict[str, list[str]] = {
    "account_name": ["Zanzibarco Ltd", "Quarkbury Plc"],
    "domain": ["zanzibarco.example", "quarkbury.example"],
    "stage": ["Our stage", "our prospect", "ours prospect", "by stage", "'s prospect"],
    "lead_rationale": ["Quokka", "Rules of engagement", "Stronger relationship"],
    "industry": ["Xylography"],
    "country": ["Ruritania", "Strelsau"],
    "deal_size": ["987654", "987,654", "2031-03-17"],
    "annual_revenue": ["123456789", "123,456,789"],
    "owner": ["ottoline@acme.example"],
    "notes": ["Narwhal"],
    "next_steps": ["Zebrastep"],
    "plan": ["Walrus objective", "Okapi metric", "Rolf Pangolin", "Manatee together"],
    "insights": ["Capybara need", "Tapir Stakeholder", "Axolotl Systems", "Emu summit"],
}
# "lead" is left out: its values are the two companies' names, which every file carries.
FIELDS = [name for name in SHARE_FIELDS if name != "lead"]


@pytest.fixture
def sentinel_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The built-in Helvetica writes text as it reads in the PDF's streams (a subset TrueType
    # font writes glyph numbers), so the bytes can be searched once decompressed.
    monkeypatch.setattr(report_pdf, "_FONT_DIRS", ())
    ws = Workspace.create(tmp_path / "acme.overlap", "Acme Corp", [])
    partner = ws.add_partner("Globex")
    assert partner.id is not None
    ours = add_snapshot(
        ws,
        None,
        [
            {
                "external_id": "A-7",
                "name": "Zanzibarco Ltd",
                "domains": "zanzibarco.example",
                "stage": "prospect",
                "industry": "Xylography",
                "country": "Ruritania",
                "city": "Strelsau",
                "owner": "ottoline@acme.example",
                "annual_revenue": 123456789.0,
                "deal_size": 987654.0,
                "deal_close_date": "2031-03-17",
            },
            {
                "external_id": "A-8",
                "name": "Quarkbury Plc",
                "domains": "quarkbury.example",
                "stage": "prospect",
            },
        ],
    )
    theirs = add_snapshot(
        ws,
        partner.id,
        [
            {
                "external_id": "G-7",
                "name": "Zanzibar",
                "domains": "zanzibarco.example",
                "stage": "customer",
            },
            {
                "external_id": "G-8",
                "name": "Quark",
                "domains": "quarkbury.example",
                "stage": "customer",
            },
        ],
    )
    add_matches(ws, partner.id, [(int(ours["id"][i]), int(theirs["id"][i])) for i in range(2)])
    add_rules(ws, partner.id)
    set_sync_schedule(ws, "Globex", rhythm="weekly", next_date=SOON, time_zone="UTC")
    with ws.session() as session:
        for i in range(2):
            session.add(
                Assignment(
                    partner_id=partner.id,
                    our_key=key_of(ours.iloc[i]),
                    partner_key=key_of(theirs.iloc[i]),
                    lead="partner",
                    criterion="relationship",
                    rationale="Quokka: their relationship is stronger",
                    rules_version=2,
                    assigned_at=now(),
                )
            )
        # A baseline with nothing shared: both accounts are "new shared" on the agenda.
        session.add(
            MappingRun(partner_id=partner.id, ran_at=now() - timedelta(days=30), shared_json="[]")
        )
        session.commit()
    first = add_plan(
        ws,
        partner.id,
        ours.iloc[0],
        theirs.iloc[0],
        objective="Walrus objective",
        notes="Narwhal note",
        lead="partner",
        steps=[{"what": "Zebrastep call", "owner_party": "us", "due_date": SOON}],
        metrics=[{"name": "Okapi metric", "target": 5.0}],
        roles=[{"party": "us", "person": "Rolf Pangolin", "role": "AE"}],
    )
    set_why_together(ws, first, "Manatee together: one rollout, one team")
    set_plan_insight(
        ws, first, needs="Capybara need for a single ledger", stakeholders="Tapir Stakeholder, CFO",
        competitors="Axolotl Systems", next_event="Emu summit", next_event_date=SOON,
    )  # fmt: skip
    kind = "prospect:customer"
    generated = add_plan(
        ws, partner.id, ours.iloc[1], theirs.iloc[1], objective=generated_objective(kind)
    )
    with ws.transaction() as connection:
        connection.exec_driver_sql(
            "UPDATE plan SET objective_kind = ? WHERE id = ?", (kind, generated)
        )
    yield ws
    ws.close()


def _pdf_text(data: bytes) -> str:
    """A PDF's streams decompressed (ASCII85 and Flate), with pdftotext's reading when it is
    installed, so text is found however the file stores it."""
    parts = [data.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\n?endstream", data, re.S):
        raw = stream
        if raw.rstrip().endswith(b"~>"):
            raw = base64.a85decode(raw.rstrip(), adobe=True)
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        parts.append(raw.decode("latin-1"))
    return "\n".join(parts)


def _file_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    if path.suffix == ".pdf":
        text = _pdf_text(data)
        if shutil.which("pdftotext"):
            run = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
            text += "\n" + run.stdout.decode("utf-8")
        return text
    text = data.decode("utf-8-sig")
    if path.suffix == ".ics":
        text = text.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")
    if path.suffix == ".overlap-plan":
        text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _share(kind: str) -> Callable[[Workspace, Path], str]:
    def write(ws: Workspace, folder: Path) -> str:
        path = folder / f"out.{kind}"
        export_share(ws, "Globex", path)
        return _file_text(path)

    return write


def _agenda(suffix: str) -> Callable[[Workspace, Path], str]:
    def write(ws: Workspace, folder: Path) -> str:
        path = folder / f"agenda.{suffix}"
        export_agenda(ws, "Globex", path, today=date.today())
        return _file_text(path)

    return write


def _calendar(ws: Workspace, folder: Path) -> str:
    path = folder / "sync.ics"
    export_calendar(ws, "Globex", path)
    return _file_text(path)


def _summary(ws: Workspace, _folder: Path) -> str:
    package = share_preview(ws, "Globex")
    subject, body = handoff_summary(
        ws, package, [("pdf", "plans.pdf"), ("plan", "plans.overlap-plan")], since=None
    )
    return subject + "\n" + body


OUTPUTS: dict[str, Callable[[Workspace, Path], str]] = {
    "plan file": _share("overlap-plan"),
    "xlsx": _share("xlsx"),
    "pdf": _share("pdf"),
    "csv": _share("csv"),
    "agenda text": _agenda("txt"),
    "agenda pdf": _agenda("pdf"),
    "calendar": _calendar,
    "e-mail summary": _summary,
}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("output", list(OUTPUTS))
def test_an_unticked_field_appears_nowhere_in_the_bytes_written(
    sentinel_ws: Workspace, tmp_path: Path, output: str, field: str
) -> None:
    set_share_policy(sentinel_ws, "Globex", fields=[f for f in SHARE_FIELDS if f != field])
    text = OUTPUTS[output](sentinel_ws, tmp_path)
    assert text.strip()
    leaked = [value for value in SENTINELS[field] if value in text]
    assert not leaked, f"{output} carries {field} although the policy keeps it home: {leaked}"


@pytest.mark.parametrize("field", FIELDS)
def test_a_ticked_field_leaves(sentinel_ws: Workspace, tmp_path: Path, field: str) -> None:
    """The search above can fail: with every field ticked, each one's values are found."""
    set_share_policy(sentinel_ws, "Globex", fields=list(SHARE_FIELDS))
    found = "\n".join(write(sentinel_ws, tmp_path) for write in OUTPUTS.values())
    assert any(value in found for value in SENTINELS[field]), field
    # The PDF's own streams are searched, not only a reading of them.
    export_share(sentinel_ws, "Globex", tmp_path / "streams.pdf")
    assert "Walrus objective" in _pdf_text((tmp_path / "streams.pdf").read_bytes())


def test_unticked_stage_and_rationale_leave_no_matrix_rules_or_stage_in_objectives(
    sentinel_ws: Workspace,
) -> None:
    set_share_policy(sentinel_ws, "Globex", fields=["account_name", "plan"])
    package = share_preview(sentinel_ws, "Globex")
    assert not package.shares_matrix and not package.shares_rules and package.rules == []
    objectives = set(package.plans["Objective"])
    assert objectives == {"Walrus objective", "Pilot: a joint plan for this account"}
    assert all("objective" not in item for item in package.plan_items if "Quark" in item["label"])
    set_share_policy(sentinel_ws, "Globex", fields=["account_name", "plan", "stage"])
    package = share_preview(sentinel_ws, "Globex")
    quark = package.plans.set_index("Account").loc["Quarkbury Plc", "Objective"]
    # Named from both sides, for a file both read.
    assert quark == (
        "Pilot: Globex's customer, Acme Corp's prospect: Acme Corp asks for an introduction"
    )
