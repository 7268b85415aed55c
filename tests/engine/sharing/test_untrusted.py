"""Documents a partner sends, read as a hostile partner would write them.

Real files come from Overlap's own writers (a plan file, the three private-matching files of a
plain and of a counts-only exchange); each test changes one and hands it to the real command
line. Whatever arrives ends in a clean import (exit 0, and the workspace still works) or in exit
2 with one ``error:`` line naming what is wrong, the workspace byte for byte as it was and no
``-wal`` / ``-shm`` file left beside it. The fuzz test mutates the real files at random; its long
variant is ``bench/fuzz_documents.py``.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import shutil
import sqlite3
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from engine import (
    export_share,
    plan_conflicts,
    psi_finish,
    psi_request,
    psi_respond,
    record_agreement,
)
from engine.cli import main
from engine.sharing import _curve25519, crypto
from engine.store.models import Plan, PlanConflict
from engine.store.workspace import Workspace, now
from tests.engine.sharing_helpers import add_plan, add_rules, mapped_workspace

pytestmark = pytest.mark.skipif(not _curve25519.available(), reason="libsodium is missing")

T = TypeVar("T")

# ---------------------------------------------------------------------------- real files


@dataclass
class RealFiles:
    """Files written by Overlap, and workspaces at the moment each of them arrives."""

    folder: Path
    plan: dict[str, Any]  # the plan file Acme sent Globex
    encrypted_plan: bytes
    request: dict[str, Any]  # Acme's request; Globex answers it
    response: dict[str, Any]  # Globex's response; Acme finishes with it
    back: dict[str, Any]  # Acme's back file; Globex finishes with it
    counts_request: dict[str, Any]  # the same three files of a counts-only exchange
    counts_response: dict[str, Any]
    counts_back: dict[str, Any]
    receiver: Path  # Globex before anything arrived
    requester: Path  # Acme with both requests sent
    responder: Path  # Globex with both requests answered


PASSPHRASE = "correct horse battery"


def _read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _write_real_files(folder: Path) -> RealFiles:
    folder.mkdir(parents=True, exist_ok=True)
    acme, partner_id, ours, theirs = mapped_workspace(folder / "acme")
    record_agreement(acme, "Globex", none=True)  # files naming accounts may leave
    add_rules(acme, partner_id)
    add_plan(
        acme,
        partner_id,
        ours.iloc[0],
        theirs.iloc[0],
        objective="Expand Initech to the EU region",
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
    add_plan(acme, partner_id, ours.iloc[1], theirs.iloc[1], objective="Land Umbrella")
    export_share(acme, "Globex", folder / "plan.overlap-plan")
    export_share(acme, "Globex", folder / "encrypted.overlap-plan", passphrase=PASSPHRASE)
    psi_request(acme, "Globex", folder / "request.ovpsi")
    psi_request(acme, "Globex", folder / "counts-request.ovpsi", counts_only=True)
    acme.close()
    requester = folder / "requester.overlap"
    shutil.copy(folder / "acme.overlap", requester)

    globex, _pid, _o, _t = mapped_workspace(folder / "globex", "Globex", "Acme Corp", mirror=True)
    record_agreement(globex, "Acme Corp", none=True)
    globex.close()
    receiver = folder / "receiver.overlap"
    shutil.copy(folder / "globex.overlap", receiver)
    with Workspace.open(folder / "globex.overlap") as globex:
        for prefix in ("", "counts-"):
            psi_respond(
                globex,
                "Acme Corp",
                folder / f"{prefix}request.ovpsi",
                folder / f"{prefix}response.ovpsi",
            )
    responder = folder / "responder.overlap"
    shutil.copy(folder / "globex.overlap", responder)
    with Workspace.open(folder / "acme.overlap") as acme:
        for prefix in ("", "counts-"):
            psi_finish(
                acme,
                "Globex",
                folder / f"{prefix}response.ovpsi",
                back=folder / f"{prefix}back.ovpsi",
            )
    return RealFiles(
        folder=folder,
        plan=_read(folder / "plan.overlap-plan"),
        encrypted_plan=(folder / "encrypted.overlap-plan").read_bytes(),
        request=_read(folder / "request.ovpsi"),
        response=_read(folder / "response.ovpsi"),
        back=_read(folder / "back.ovpsi"),
        counts_request=_read(folder / "counts-request.ovpsi"),
        counts_response=_read(folder / "counts-response.ovpsi"),
        counts_back=_read(folder / "counts-back.ovpsi"),
        receiver=receiver,
        requester=requester,
        responder=responder,
    )


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RealFiles:
    return _write_real_files(tmp_path_factory.mktemp("real"))


# ---------------------------------------------------------------------------- one arrival


def rehashed(document: dict[str, Any]) -> dict[str, Any]:
    """A plan file's document with its content hash made right again, as a hostile sender would."""
    if isinstance(document.get("content"), dict):
        canonical = json.dumps(
            document["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8", "surrogatepass")
        document["content_sha256"] = hashlib.sha256(canonical).hexdigest()
    return document


def workspace_dump(path: Path) -> str:
    """Every row of every table, and the schema: equal dumps mean nothing was written.

    A read-write connection, though it only reads: a read-only one cannot remove the -wal and
    -shm files it makes beside a WAL database, and would leave them as if Overlap had."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        digest = hashlib.sha256()
        tables = con.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        for name, sql in tables:
            digest.update(repr((name, sql)).encode())
            if sql and sql.startswith("CREATE TABLE"):
                for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                    digest.update(repr(row).encode())
    return digest.hexdigest()


def run_cli(args: Sequence[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@dataclass
class Arrival:
    """What became of one file handed to the command line."""

    kind: str  # plan / request / response / back
    code: int
    out: str
    err: str
    changed: bool

    @property
    def error(self) -> str:
        return self.err.strip()


# The command that reads each kind of document, and the workspace it arrives in.
KINDS = ("plan", "request", "response", "back")


def arrive(
    real: RealFiles, kind: str, data: bytes, *, folder: Path, passphrase: bool = False
) -> Arrival:
    """Hand ``data`` as a ``kind`` file to the real command line, in a fresh copy of the
    workspace it arrives in; check the outcome is one of the two allowed ones."""
    folder.mkdir(parents=True, exist_ok=True)
    template = {
        "plan": real.receiver,
        "request": real.receiver,
        "response": real.requester,
        "back": real.responder,
    }[kind]
    workspace = folder / "ws.overlap"
    shutil.copy(template, workspace)
    arrived = folder / ("arrived.overlap-plan" if kind == "plan" else "arrived.ovpsi")
    arrived.write_bytes(data)
    out_file = folder / "out.ovpsi"
    args = {
        "plan": ["plan-file", "import", str(workspace), "--partner", "Acme Corp"],
        "request": ["psi", "respond", str(workspace), "--partner", "Acme Corp"],
        "response": ["psi", "finish", str(workspace), "--partner", "Globex"],
        "back": ["psi", "finish", str(workspace), "--partner", "Acme Corp"],
    }[kind] + ["--in", str(arrived)]
    if kind in ("request", "response"):
        args += ["--out", str(out_file)]
    if passphrase:
        secret = folder / "passphrase.txt"
        secret.write_text(PASSPHRASE, encoding="utf-8")
        args += ["--passphrase-file", str(secret)]
    before = workspace_dump(workspace)
    code, out, err = run_cli(args)
    assert not [p.name for p in folder.iterdir() if p.name.endswith(("-wal", "-shm"))]
    arrival = Arrival(kind, code, out, err, workspace_dump(workspace) != before)
    assert code in (0, 2), f"exit {code}: {err}"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert not arrival.changed, f"refused, yet the workspace changed: {err}"
        assert not out_file.exists(), "refused, yet a file was written"
    elif kind == "plan":
        # A clean import leaves a workspace every later command can read.
        for command in (["stalled"], ["sync", "agenda"]):
            code, _out, err = run_cli([*command, str(workspace), "--partner", "Acme Corp"])
            assert code == 0, f"{' '.join(command)} after a clean import: {err}"
    return arrival


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8", "surrogatepass")


def document_of(real: RealFiles, kind: str, *, counts_only: bool = False) -> dict[str, Any]:
    names = {
        ("plan", False): "plan",
        ("request", False): "request",
        ("response", False): "response",
        ("back", False): "back",
        ("request", True): "counts_request",
        ("response", True): "counts_response",
        ("back", True): "counts_back",
    }
    return copy.deepcopy(getattr(real, names[(kind, counts_only)]))


# ---------------------------------------------------------------------------- the real files pass


@pytest.mark.parametrize("kind", KINDS)
def test_real_files_arrive_cleanly(real: RealFiles, kind: str, tmp_path: Path) -> None:
    arrival = arrive(real, kind, encoded(document_of(real, kind)), folder=tmp_path)
    assert arrival.code == 0 and arrival.changed, arrival.err


def test_real_encrypted_plan_file_arrives_cleanly(real: RealFiles, tmp_path: Path) -> None:
    arrival = arrive(real, "plan", real.encrypted_plan, folder=tmp_path, passphrase=True)
    assert arrival.code == 0 and "2 new" in arrival.out


# ---------------------------------------------------------------------------- refused, by name


def _set_in_plan(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["content"]["plans"][0][key] = value

    return mutate


def _set_in_step(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["content"]["plans"][0]["steps"][0][key] = value

    return mutate


def _set_top(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document[key] = value

    return mutate


def _set_content(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["content"][key] = value

    return mutate


def _set_metric(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["content"]["plans"][0]["metrics"][0][key] = value

    return mutate


PLAN_1 = "plan 1 ('Initech')"
REFUSED_PLAN_FILES = {
    "due date not a date": (
        _set_in_step("due_date", "not-a-date"),
        f"{PLAN_1}, step 1: due_date 'not-a-date' is not a date (YYYY-MM-DD)",
    ),
    "owner party root": (
        _set_in_step("owner_party", "root"),
        f"{PLAN_1}, step 1: owner_party 'root' is not one of us, partner",
    ),
    "sender a string": (
        _set_top("sender", "Acme Corp"),
        "sender is text ('Acme Corp') where an object is expected",
    ),
    "counts a list": (
        _set_content("counts", [1, 2]),
        "counts is a list where an object is expected",
    ),
    "steps strings": (
        _set_in_plan("steps", ["call them", "send the deck"]),
        f"{PLAN_1}: step 1 is text ('call them') where an object is expected",
    ),
    "steps an int": (
        _set_in_plan("steps", 5),
        f"{PLAN_1}: steps is a number (5) where a list is expected",
    ),
    "lead a list": (
        _set_in_plan("lead", ["us"]),
        f"{PLAN_1}: lead is a list where one of us, partner or null is expected",
    ),
    "metric target lots": (
        _set_metric("target", "lots"),
        f"{PLAN_1}, metric 1: target is text ('lots') where a number is expected",
    ),
    "dict where text is expected": (
        _set_in_step("owner_person", {"name": "Ann"}),
        f"{PLAN_1}, step 1: owner_person is an object where text is expected",
    ),
    "dict objective": (
        _set_in_plan("objective", {"text": "Expand"}),
        f"{PLAN_1}: objective is an object where text is expected",
    ),
    "schema version a string": (
        _set_top("schema_version", "1"),
        "schema_version is text ('1') where a whole number is expected",
    ),
    "metric target infinite": (
        _set_metric("target", float("inf")),
        "Infinity is not a number Overlap writes",
    ),
    "metric target beyond any amount": (
        _set_metric("actual", 1e300),
        f"{PLAN_1}, metric 1: actual 1e+300 is beyond",
    ),
    "done a string": (
        _set_in_step("done", "yes"),
        f"{PLAN_1}, step 1: done is text ('yes') where true or false is expected",
    ),
    "joint a string": (
        _set_in_step("joint", "yes"),
        f"{PLAN_1}, step 1: joint is text ('yes') where true or false is expected",
    ),
    "why together an object": (
        _set_in_plan("why_together", {"text": "together"}),
        f"{PLAN_1}: why_together is an object where text is expected",
    ),
    "insights a list": (
        _set_in_plan("insights", ["needs a CRM"]),
        f"{PLAN_1}: insights is a list where an object is expected",
    ),
    "insight event date not a date": (
        _set_in_plan("insights", {"needs": "a CRM", "next_event_date": "next week"}),
        f"{PLAN_1}, insights: next_event_date 'next week' is not a date (YYYY-MM-DD)",
    ),
    "text not valid unicode": (
        _set_in_step("what", "call \ud800 them"),
        "text that is not valid Unicode",
    ),
    "status unknown": (
        _set_in_plan("status", "closed"),
        f"{PLAN_1}: status 'closed' is not one of draft, active, won, lost, paused",
    ),
    "plans in a counts-only file": (
        _set_content("counts_only", True),
        "plans: a counts-only file carries no plans, and this one holds 2",
    ),
    "sent at not a time": (
        _set_top("sent_at", "yesterday"),
        "sent_at 'yesterday' is not a date and time (ISO 8601)",
    ),
}


@pytest.mark.parametrize("case", REFUSED_PLAN_FILES, ids=list(REFUSED_PLAN_FILES))
def test_plan_file_refused_naming_plan_and_field(
    real: RealFiles, case: str, tmp_path: Path
) -> None:
    mutate, message = REFUSED_PLAN_FILES[case]
    document = document_of(real, "plan")
    mutate(document)
    arrival = arrive(real, "plan", encoded(rehashed(document)), folder=tmp_path)
    assert arrival.code == 2
    assert message in arrival.error
    assert arrival.error.endswith("nothing was imported")


def test_200000_nested_brackets_are_refused(real: RealFiles, tmp_path: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    for kind in KINDS:
        arrival = arrive(real, kind, deep, folder=tmp_path / kind)
        assert arrival.code == 2 and "nests" in arrival.error and "levels" in arrival.error


def test_nesting_inside_a_field_is_refused(real: RealFiles, tmp_path: Path) -> None:
    document = document_of(real, "plan")
    document["content"]["plans"][0]["objective"] = "@@deep@@"
    text = json.dumps(rehashed(document)).replace('"@@deep@@"', "[" * 5_000 + "]" * 5_000)
    arrival = arrive(real, "plan", text.encode(), folder=tmp_path)
    assert arrival.code == 2 and "nests" in arrival.error


def test_a_5000_digit_integer_is_refused(real: RealFiles, tmp_path: Path) -> None:
    huge = "9" * 5_000
    text = json.dumps(document_of(real, "plan")).replace(
        '"schema_version": 1', f'"schema_version": {huge}'
    )
    arrival = arrive(real, "plan", text.encode(), folder=tmp_path / "plan")
    assert arrival.code == 2 and "5,000 digits" in arrival.error
    document = document_of(real, "back", counts_only=True)
    document["count"] = "@@huge@@"
    text = json.dumps(document).replace('"@@huge@@"', huge)
    arrival = arrive(real, "back", text.encode(), folder=tmp_path / "back")
    assert arrival.code == 2 and "5,000 digits" in arrival.error


# ---------------------------------------------------------------------------- limits


def test_200000_steps_are_refused_fast_naming_the_limit(real: RealFiles, tmp_path: Path) -> None:
    # Minimal steps, as a hostile sender packs them: 200,000 fit in 7 MB.
    one_plan = document_of(real, "plan")
    one_plan["content"]["plans"][0]["steps"] = [
        {"what": f"s{n}", "owner_party": "us"} for n in range(200_000)
    ]
    spread = document_of(real, "plan")
    template = spread["content"]["plans"][0]
    spread["content"]["plans"] = [
        {
            **template,
            "ref": f"{n:032x}",
            "steps": [{"what": f"s{k}", "owner_party": "us"} for k in range(100)],
        }
        for n in range(2_000)
    ]
    for name, document, limit in (
        ("one", one_plan, "at most 200 steps per plan"),
        ("spread", spread, "at most 25,000 steps, metrics and roles per file"),
    ):
        data = encoded(rehashed(document))
        assert len(data) > 5_000_000
        start = time.perf_counter()
        arrival = arrive(real, "plan", data, folder=tmp_path / name)
        assert time.perf_counter() - start < 6
        assert arrival.code == 2 and limit in arrival.error, arrival.error


def test_too_many_plans_and_too_long_text_are_refused(real: RealFiles, tmp_path: Path) -> None:
    many = document_of(real, "plan")
    template = many["content"]["plans"][1]
    many["content"]["plans"] = [{**template, "ref": f"{n:032x}"} for n in range(5_001)]
    arrival = arrive(real, "plan", encoded(rehashed(many)), folder=tmp_path / "many")
    assert arrival.code == 2 and "at most 5,000 plans per file" in arrival.error
    long = document_of(real, "plan")
    long["content"]["plans"][0]["objective"] = "x" * 20_001
    arrival = arrive(real, "plan", encoded(rehashed(long)), folder=tmp_path / "long")
    assert arrival.code == 2
    assert f"{PLAN_1}: objective is 20,001 characters long; Overlap reads at most 20,000" in (
        arrival.error
    )


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(
    real: RealFiles, tmp_path: Path
) -> None:
    document = document_of(real, "plan")
    document["padding"] = "x" * (17 * 2**20)
    start = time.perf_counter()
    arrival = arrive(real, "plan", encoded(document), folder=tmp_path)
    assert time.perf_counter() - start < 3
    assert arrival.code == 2 and "Overlap reads plan files of at most 16 MiB" in arrival.error


# (20, 16, 4) is the largest cost the format accepted before: 24 s and 2.2 GB of scrypt.
@pytest.mark.parametrize("cost", [(20, 16, 4), (17, 8, 1), (16, 9, 1), (16, 8, 3)])
def test_scrypt_cost_is_bounded_to_what_overlap_writes(
    real: RealFiles, cost: tuple[int, int, int], tmp_path: Path
) -> None:
    blob = bytearray(real.encrypted_plan)
    blob[9:12] = struct.pack(">BBB", *cost)  # log2(N), r and p follow the magic and version
    start = time.perf_counter()
    arrival = arrive(real, "plan", bytes(blob), folder=tmp_path, passphrase=True)
    assert time.perf_counter() - start < 3
    assert arrival.code == 2
    log2_n, r, p = cost
    assert f"N=2^{log2_n}, r={r}, p={p}" in arrival.error
    assert "at most N=2^16, r=8, p=2" in arrival.error
    # What Overlap writes itself stays well inside the bound.
    assert (crypto.LOG2_N, crypto.R, crypto.P) <= (16, 8, 2)


# ---------------------------------------------------------------------------- private matching


def test_counts_only_back_file_count_is_checked(real: RealFiles, tmp_path: Path) -> None:
    for count, message in (
        (-5, "count -5 is below 0"),
        (10**12, "count 1000000000000 is above"),
        (10**6, "says 1000000 values are shared, more than this exchange holds"),
        (True, "count is true where a whole number is expected"),
        ("3", "count is text ('3') where a whole number is expected"),
    ):
        document = document_of(real, "back", counts_only=True)
        document["count"] = count
        arrival = arrive(real, "back", encoded(document), folder=tmp_path / str(count))
        assert arrival.code == 2 and message in arrival.error, arrival.error


def test_psi_files_with_nested_or_huge_numbers_are_refused(real: RealFiles, tmp_path: Path) -> None:
    cases = {
        "nested values": ("request", "values", [[["AAAA"]]]),
        "number values": ("request", "values", 10**15),
        "float exchange": ("response", "exchange", 1e308),
        "nested tags": ("back", "tags", [[0], [1]]),
        "number boxes": ("back", "boxes", 10**15),
        "huge box size": ("response", "box_size", 10**6),
        "unknown field": ("response", "fields", ["ref", "password"]),
        "nested summary": ("response", "summary", {"accounts": [[1]]}),
        "object counts only": ("request", "counts_only", {"yes": True}),
        "string version": ("request", "version", "1"),
    }
    for name, (kind, key, value) in cases.items():
        document = document_of(real, kind)
        document[key] = value
        arrival = arrive(real, kind, encoded(document), folder=tmp_path / name.replace(" ", "-"))
        assert arrival.code == 2 and key in arrival.error, (name, arrival.error)


def test_too_many_psi_values_are_refused_naming_the_limit(real: RealFiles, tmp_path: Path) -> None:
    document = document_of(real, "request")
    document["values"] = "A" * (44 * 2_000_001)  # 2,000,001 points' worth of base64
    arrival = arrive(real, "request", encoded(document), folder=tmp_path)
    assert arrival.code == 2 and "at most 2,000,000" in arrival.error, arrival.error


# ---------------------------------------------------------------------------- stored conflicts


def _conflict(path: Path, item: str, field: str, theirs: str) -> int:
    """A conflict row as an older Overlap stored it, before files were checked at the door."""
    with Workspace.open(path) as ws, ws.session() as session:
        plan = session.exec(select(Plan)).first()
        assert plan is not None and plan.id is not None
        row = PlanConflict(
            partner_id=plan.partner_id,
            plan_id=plan.id,
            item=item,
            field=field,
            ours_json='"ours"',
            theirs_json=theirs,
            created_at=now(),
        )
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def test_a_stored_conflict_with_a_bad_value_can_always_be_resolved(
    real: RealFiles, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws.overlap"
    shutil.copy(real.requester, workspace)
    bad = _conflict(workspace, "plan", "objective", '{"text": "Expand"}')
    bad_date = _conflict(workspace, "step:intro call", "due_date", '"not-a-date"')
    before = workspace_dump(workspace)
    code, _out, err = run_cli(
        ["plan-file", "resolve", str(workspace), str(bad), "--take", "theirs"]
    )
    assert code == 2 and err.count("\n") == 1
    assert "their objective is an object where text is expected" in err
    assert "--take ours" in err and workspace_dump(workspace) == before
    code, _out, err = run_cli(
        ["plan-file", "resolve", str(workspace), str(bad_date), "--take", "theirs"]
    )
    assert code == 2 and "due_date 'not-a-date' is not a date (YYYY-MM-DD)" in err
    for conflict in (bad, bad_date):
        code, _out, err = run_cli(
            ["plan-file", "resolve", str(workspace), str(conflict), "--take", "ours"]
        )
        assert code == 0, err
    with Workspace.open(workspace) as ws:
        assert plan_conflicts(ws, "Globex").empty


def test_writer_refuses_what_the_partner_would_refuse(real: RealFiles, tmp_path: Path) -> None:
    workspace = tmp_path / "ws.overlap"
    shutil.copy(real.requester, workspace)
    with Workspace.open(workspace) as ws, ws.session() as session:
        plan = session.exec(select(Plan)).first()
        assert plan is not None
        plan.objective = "x" * 20_001
        session.add(plan)
        session.commit()
    out = tmp_path / "out.overlap-plan"
    code, _out, err = run_cli(
        ["share", "export", str(workspace), "--partner", "Globex", "--out", str(out)]
    )
    assert code == 2 and not out.exists()
    assert "objective is 20,001 characters long; Overlap reads at most 20,000" in err


# ---------------------------------------------------------------------------- fuzz


class Chooser:
    """Where the mutations get their choices: hypothesis in the suite, a seeded random
    generator in ``bench/fuzz_documents.py``."""

    def pick(self, options: Sequence[T]) -> T:
        raise NotImplementedError

    def number(self, low: int, high: int) -> int:
        raise NotImplementedError


class DrawChooser(Chooser):
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def number(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


# Raw JSON that ``json.dumps`` cannot write: swapped in for a marker after the document is
# serialised.
RAW = {
    "@@deep@@": "[" * 100_000 + "]" * 100_000,
    "@@deep-object@@": '{"a":' * 20_000 + "1" + "}" * 20_000,
    "@@huge-int@@": "9" * 5_000,
    "@@huge-float@@": "1" + "0" * 400 + ".5",
    "@@nan@@": "NaN",
    "@@minus-infinity@@": "-Infinity",
}
TEXTS = [
    "",
    " ",
    "not-a-date",
    "2026-02-30",
    "2026-12-01",
    "2026-12-01T10:00:00",
    "root",
    "us",
    "partner",
    "draft",
    "won",
    "lots",
    "1",
    "-5",
    "\x00",
    "line\nbreak",
    "\ud800",
    "x" * 25_000,
    "é" * 300,
    "AAAA",
    "=1+1",
]
NUMBERS: list[Any] = [0, 1, -1, -5, 2**31, 2**63, 10**12, 10**18, 0.5, -0.0, 1e308, 1e-300]


def random_json(choose: Chooser, depth: int = 0) -> Any:
    """A JSON value of any type, often one an Overlap file uses somewhere else."""
    kind = choose.pick(["null", "bool", "number", "text", "raw", "list", "object"])
    if kind == "null":
        return None
    if kind == "bool":
        return choose.pick([True, False])
    if kind == "number":
        return choose.pick(NUMBERS)
    if kind == "text":
        return choose.pick(TEXTS)
    if kind == "raw":
        return choose.pick(list(RAW))
    if depth >= 2:
        return []
    size = choose.number(0, 3)
    if kind == "list":
        return [random_json(choose, depth + 1) for _ in range(size)]
    keys = ["what", "due_date", "steps", "plans", "count", "x", "company", "lead", ""]
    return {choose.pick(keys): random_json(choose, depth + 1) for _ in range(size)}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):  # the first few of long lists are enough
            yield from _paths(child, (*prefix, index))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for key in path[:-1]:
        node = node[key]
    return node


def mutate(document: dict[str, Any], choose: Chooser) -> dict[str, Any]:
    """One to three changes at random places: a value replaced by another of any type, a key
    or item removed, an item copied many times, a key added."""
    document = copy.deepcopy(document)
    for _ in range(choose.number(1, 3)):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = choose.pick(paths)
        parent = _parent(document, path)
        action = choose.pick(["replace", "replace", "replace", "delete", "repeat", "add"])
        if action == "replace":
            parent[path[-1]] = random_json(choose)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "repeat" and isinstance(parent, list):
            parent.extend([copy.deepcopy(parent[path[-1]])] * choose.pick([1, 60, 300]))
        elif action == "add" and isinstance(parent, dict):
            parent[choose.pick(["plans", "steps", "extra", "count", "tags"])] = random_json(choose)
    return document


def fuzz_case(real: RealFiles, choose: Chooser, folder: Path) -> Arrival:
    """One mutated real file through the command line (the checks are in ``arrive``)."""
    kind = choose.pick(KINDS)
    counts_only = kind != "plan" and choose.pick([False, True])
    document = mutate(document_of(real, kind, counts_only=counts_only), choose)
    if kind == "plan" and choose.pick([True, True, True, False]):
        rehashed(document)  # most cases get past the content hash, as a hostile sender would
    text = json.dumps(document)
    for marker, raw in RAW.items():
        text = text.replace(f'"{marker}"', raw)
    data = text.encode("utf-8", "surrogatepass")
    if kind == "plan" and choose.pick([False, False, False, True]):
        return arrive(real, kind, crypto.encrypt(data, PASSPHRASE), folder=folder, passphrase=True)
    return arrive(real, kind, data, folder=folder)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_real_files_import_cleanly_or_are_refused_cleanly(
    real: RealFiles, tmp_path: Path, data: st.DataObject
) -> None:
    folder = tmp_path / f"case-{time.perf_counter_ns()}"
    fuzz_case(real, DrawChooser(data), folder)
    shutil.rmtree(folder)
