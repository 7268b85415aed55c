"""The e-mail hand-off: plan files written through the exports and recorded in the ledger, the
summary (attachments, what changed, next steps, what we ask), the mailto: link's encoding and
length cap, the share policy, and bad input that writes nothing."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from engine.cli import main as cli
from engine.errors import OverlapError
from engine.plans import set_step_done
from engine.program.sync import set_sync_schedule
from engine.sharing import (
    MAILTO_LIMIT,
    egress_ledger,
    mailto_url,
    prepare_handoff,
    read_plan_file,
    record_agreement,
    set_share_policy,
)
from engine.store.workspace import Workspace
from tests.engine.ics_reader import parse
from tests.engine.sharing_helpers import add_plan, mapped_workspace

TODAY = datetime.now(UTC).date()


@pytest.fixture
def acme(tmp_path: Path):
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    due = (TODAY + timedelta(days=9)).isoformat()
    add_plan(
        ws, partner_id, ours.iloc[0], theirs.iloc[0], objective="Expand Initech to the EU",
        steps=[
            {"what": "Intro call", "owner_party": "us", "owner_person": "Ann", "due_date": due},
            {"what": "Share the reference case, with numbers", "owner_party": "partner",
             "owner_person": "Gina", "due_date": (TODAY + timedelta(days=4)).isoformat()},
        ],
        roles=[{"party": "us", "person": "Ann", "role": "AE"}],
    )  # fmt: skip
    add_plan(
        ws, partner_id, ours.iloc[1], theirs.iloc[1], objective="Land Umbrella", lead="partner"
    )
    yield ws
    ws.close()


def _decoded(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    assert parts.scheme == "mailto"
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return unquote(parts.path), query


def test_mailto_encoding() -> None:
    body = "Hello & welcome = 100% sure?\nLine two #3 + Zürich\n"
    url = mailto_url("Plans: Acme & Globex", body, to="gina@globex.com")
    assert url.startswith("mailto:gina@globex.com?subject=Plans%3A%20Acme%20%26%20Globex&body=")
    assert " " not in url and "\n" not in url and "+" not in url.split("?", 1)[1].replace("%2B", "")
    assert "%0D%0A" in url and "Z%C3%BCrich" in url
    address, query = _decoded(url)
    assert address == "gina@globex.com"
    assert query["subject"] == "Plans: Acme & Globex"
    assert query["body"] == body.replace("\n", "\r\n")
    assert mailto_url("s", "b").startswith("mailto:?subject=s&body=b")
    for bad in ("not an address", "a@b", "a@b.com?cc=x@y.com"):
        with pytest.raises(OverlapError, match="is not an e-mail address"):
            mailto_url("s", "b", to=bad)


def test_mailto_is_capped_at_a_line_break() -> None:
    body = "\n".join(f"- Step {n}: call the account team, then write it down" for n in range(200))
    url = mailto_url("Plans", body)
    assert len(url) <= MAILTO_LIMIT
    _address, query = _decoded(url)
    text = query["body"].replace("\r\n", "\n")
    assert text.endswith("[Shortened: paste the full summary from Overlap.]")
    kept = text.split("\n[Shortened")[0].split("\n")
    assert kept == body.split("\n")[: len(kept)]  # whole lines, in order
    assert len(mailto_url("Plans", body, limit=5000)) <= 5000


def test_handoff_writes_the_files_records_them_and_summarises(acme, tmp_path: Path) -> None:
    folder = tmp_path / "to globex"
    result = prepare_handoff(acme, "Globex", folder, to="gina@globex.com", today=TODAY)
    names = sorted(p.name for p in folder.iterdir())
    stem = f"Acme Corp - Globex plans {TODAY.isoformat()}"
    assert names == sorted(f"{stem}{s}" for s in (".pdf", ".xlsx", ".overlap-plan"))
    assert result.folder == folder.resolve()
    ledger = egress_ledger(acme, "Globex")
    assert sorted(ledger["kind"]) == ["pdf", "plan", "xlsx"]
    assert set(ledger["path"]) == {str(p.resolve()) for p in result.files}
    assert read_plan_file(folder / f"{stem}.overlap-plan").plans

    body = result.body
    assert result.subject.startswith("Joint account plans: Acme Corp and Globex (")
    assert f"- {stem}.pdf: the plans to read (PDF)" in body
    assert "These are the first plans we send you from Overlap." in body
    assert (
        "Next steps:\n- Initech: Share the reference case, with numbers, Globex (Gina), due" in body
    )
    assert "- Initech: Intro call, Acme Corp (Ann), due" in body
    asks = body.split("What we ask of Globex:\n", 1)[1]
    assert asks.startswith("- Initech: Share the reference case, with numbers, due")
    assert "(Gina)" in asks.split("\n")[0]
    assert "- Umbrella Corp: you lead this account; tell us who owns it on your side." in asks
    assert "Import the .overlap-plan file" in asks
    assert "Intro call" not in asks  # ours to do, not theirs
    assert result.text().startswith(f"Subject: {result.subject}\n\n")
    _address, query = _decoded(result.mailto)
    assert query["subject"] == result.subject
    assert query["body"].replace("\r\n", "\n") == body


def test_a_second_handoff_says_what_changed(acme, tmp_path: Path) -> None:
    first = prepare_handoff(acme, "Globex", tmp_path / "one", kinds=["pdf"], today=TODAY)
    assert "first plans" in first.body
    step_id = int(acme.read_frame("SELECT id FROM planstep WHERE what = 'Intro call'")["id"][0])
    set_step_done(acme, step_id, True)
    second = prepare_handoff(acme, "Globex", tmp_path / "two", kinds=["xlsx"], today=TODAY)
    changed = second.body.split("What changed since we last sent plans (", 1)[1]
    assert "- Updated plans: Initech" in changed
    assert "- Steps done: Intro call (Initech)" in changed
    assert "Intro call" not in second.body.split("Next steps:", 1)[1].split("What we ask")[0]
    third = prepare_handoff(acme, "Globex", tmp_path / "three", kinds=["csv"], today=TODAY)
    assert "- Nothing changed in these plans since then." in third.body


def test_chosen_plans_and_the_calendar(acme, tmp_path: Path) -> None:
    set_sync_schedule(acme, "Globex", rhythm="weekly", next_date=TODAY, time_zone="Europe/Berlin")
    umbrella = int(
        acme.read_frame("SELECT id FROM plan WHERE account_name = 'Umbrella Corp'")["id"][0]
    )
    result = prepare_handoff(
        acme, "Globex", tmp_path / "out", plan_ids=[umbrella], kinds=["plan", "ics"], today=TODAY
    )
    assert [p.suffix for p in result.files] == [".overlap-plan", ".ics"]
    plans = read_plan_file(result.files[0]).plans
    assert [p["account_name"] for p in plans] == ["Umbrella Corp"]
    calendar = parse(result.files[1].read_bytes())
    assert len(calendar.components("VEVENT")) == 1  # the sync series; Umbrella has no step
    assert "- " + result.files[1].name + ": the sync meetings and next steps" in result.body
    assert "Initech" not in result.body
    assert sorted(egress_ledger(acme, "Globex")["kind"]) == ["calendar", "plan"]


def test_counts_only_summary_names_no_account(acme, tmp_path: Path) -> None:
    set_share_policy(acme, "Globex", counts_only=True)
    result = prepare_handoff(acme, "Globex", tmp_path / "out", kinds=["pdf"], today=TODAY)
    assert "Shared accounts: 3 (counts by stage only, no names)." in result.body
    for name in ("Initech", "Umbrella", "Intro call", "Gina"):
        assert name not in result.body and name not in unquote(result.mailto)


def test_policy_without_next_steps_keeps_them_out_of_the_summary(acme, tmp_path: Path) -> None:
    set_share_policy(acme, "Globex", fields=["account_name", "lead", "plan"])
    result = prepare_handoff(acme, "Globex", tmp_path / "out", kinds=["pdf"], today=TODAY)
    assert "Next steps:" not in result.body
    assert "Intro call" not in result.body and "reference case" not in result.body


def test_bad_input_writes_nothing(acme, tmp_path: Path) -> None:
    for kwargs, message in (
        ({"kinds": ["docx"]}, "choose the files among"),
        ({"kinds": []}, "choose the files among"),
        ({"kinds": ["pdf"], "passphrase": "secret"}, "choose that file too"),
        ({"to": "gina at globex"}, "is not an e-mail address"),
        ({"plan_ids": [999]}, "no plan 999"),
    ):
        with pytest.raises(OverlapError, match=message):
            prepare_handoff(acme, "Globex", tmp_path / "out", today=TODAY, **kwargs)
    with pytest.raises(OverlapError, match="folder does not exist"):
        prepare_handoff(acme, "Globex", tmp_path / "no" / "such", today=TODAY)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert egress_ledger(acme, "Globex").empty


def test_encrypted_plan_file_and_the_cli(acme, tmp_path: Path, monkeypatch) -> None:
    path = str(acme.path)
    acme.close()
    # No e-mail with plans before the data agreement (or its absence) is on record.
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli(["handoff", path, "--partner", "Globex", "--out", str(tmp_path / "early")])
    assert code == 2 and "data-sharing agreement" in err.getvalue()
    assert not (tmp_path / "early").exists()
    with Workspace.open(path) as ws:
        record_agreement(ws, "Globex", none=True)
    monkeypatch.setenv("PLAN_PASSPHRASE", "correct horse battery")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(
            ["handoff", path, "--partner", "Globex", "--out", str(tmp_path / "mail"),
             "--files", "pdf,plan", "--to", "gina@globex.com",
             "--passphrase-env", "PLAN_PASSPHRASE"]
        )  # fmt: skip
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert text.count("wrote ") == 2
    assert "Subject: Joint account plans: Acme Corp and Globex" in text
    assert "we give you the passphrase by another channel" in text
    assert text.rstrip().split("\n")[-1].startswith("mailto:gina@globex.com?subject=")
    assert "correct horse" not in text
    with Workspace.open(path) as ws:
        kinds = egress_ledger(ws, "Globex")[["kind", "encrypted"]].values.tolist()
    assert sorted(kinds) == [["pdf", False], ["plan", True]]
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(err := io.StringIO()),
    ):
        code = cli(["handoff", path, "--partner", "Globex", "--out", str(tmp_path / "x"),
                    "--plans", "one"])  # fmt: skip
    assert code == 2 and "is not a list of plan numbers" in err.getvalue()


def test_a_partnership_without_plans_has_no_plan_files_to_send(tmp_path: Path) -> None:
    """Empty plan files and "these are the first plans we send you" would mislead the partner:
    a clear error instead, and nothing written; the calendar alone can still go."""
    ws, _partner_id, _ours, _theirs = mapped_workspace(tmp_path / "acme")
    try:
        with pytest.raises(OverlapError, match="no plans to send to Globex yet"):
            prepare_handoff(ws, "Globex", tmp_path / "out", today=TODAY)
        assert not (tmp_path / "out").exists()
        assert egress_ledger(ws, "Globex").empty
        set_sync_schedule(ws, "Globex", rhythm="weekly", next_date=TODAY, time_zone="UTC")
        result = prepare_handoff(ws, "Globex", tmp_path / "out", kinds=["ics"], today=TODAY)
        assert [p.suffix for p in result.files] == [".ics"]
    finally:
        ws.close()
