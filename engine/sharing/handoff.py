"""The e-mail hand-off: the chosen plan files in a folder, a ready-to-paste summary and a
``mailto:`` link. Nothing is sent by Overlap: the user attaches the files in their own mail
client.

The files are written by ``export_share`` from one share package, so each is filtered by the
share policy and recorded in the egress ledger like any other export. The summary is built from
that same package, so it says no more than the files do: what is attached, what changed since
plans were last sent to the partner, the open next steps, and what we ask of the partner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from engine.errors import Cancelled, OverlapError
from engine.sharing.agenda import export_calendar
from engine.sharing.export import ExportResult, export_share
from engine.sharing.policy import SharePackage, share_preview
from engine.store.clock import today as local_today
from engine.store.models import Partner
from engine.store.workspace import Workspace, resolve_partner

HANDOFF_KINDS = ("pdf", "xlsx", "csv", "plan", "ics")
DEFAULT_KINDS = ("pdf", "xlsx", "plan")
# Mail clients and the systems that hand them a mailto: link cut long ones (Windows at about
# 2,000 characters): the link stays under this, the full summary goes by the clipboard.
MAILTO_LIMIT = 1900
_SUFFIX = {"pdf": ".pdf", "xlsx": ".xlsx", "csv": ".csv", "plan": ".overlap-plan", "ics": ".ics"}
_WHAT = {
    "pdf": "the plans to read (PDF)",
    "xlsx": "the same plans as a spreadsheet (Excel)",
    "csv": "the plans as a CSV table",
    "plan": "the plans for Overlap: import it to merge them with yours",
    "ics": "the sync meetings and next steps for your calendar",
}
_PLAN_KINDS = ("xlsx", "pdf", "csv", "plan")
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')
_SHORTENED = "\n[Shortened: paste the full summary from Overlap.]"


@dataclass
class Handoff:
    """What ``prepare_handoff`` wrote and the words that go with it."""

    folder: Path
    files: list[Path]
    subject: str
    body: str  # the ready-to-paste summary
    mailto: str
    warnings: list[str] = field(default_factory=list)
    exports: list[ExportResult] = field(default_factory=list)

    def text(self) -> str:
        """Subject and body, as they are put on the clipboard."""
        return f"Subject: {self.subject}\n\n{self.body}"


def safe_file_name(name: str) -> str:
    """``name`` with what Windows, macOS and Linux refuse in a file name replaced."""
    cleaned = _UNSAFE_NAME.sub("-", name).strip(" .")
    return cleaned or "plans"


def mailto_url(subject: str, body: str, *, to: str | None = None, limit: int = MAILTO_LIMIT) -> str:
    """A ``mailto:`` link (RFC 6068) with subject and body percent-encoded as UTF-8.

    Line breaks become CRLF (``%0D%0A``). A body that would make the link longer than ``limit``
    characters is cut at a line break and ends with a note to paste the full summary.
    """
    address = ""
    if to:
        address = to.strip()
        if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", address):
            raise OverlapError(f"'{to}' is not an e-mail address")
        address = quote(address, safe="@")

    def encode(text: str) -> str:
        return quote(text.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")

    head = f"mailto:{address}?subject={encode(subject)}&body="
    if len(head) > limit:
        raise OverlapError("the subject is too long for an e-mail link")
    full = head + encode(body)
    if len(full) <= limit:
        return full
    lines = body.split("\n")
    while lines:
        lines.pop()
        candidate = head + encode("\n".join(lines).rstrip() + _SHORTENED)
        if len(candidate) <= limit:
            return candidate
    return head + encode(_SHORTENED.strip())


def _last_sent(ws: Workspace, record: Partner) -> datetime | None:
    frame = ws.read_frame(
        "SELECT max(created_at) AS at FROM egressrecord WHERE partner_id = :p "
        f"AND kind IN {_PLAN_KINDS}",
        {"p": record.id},
    )
    value = frame["at"].iloc[0] if len(frame) else None
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value).to_pydatetime()
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _day(value: Any) -> str:
    day = pd.Timestamp(value).date() if not isinstance(value, date) else value
    return f"{day.day} {day:%b %Y}"


def _changes(
    ws: Workspace, package: SharePackage, since: datetime, labels: dict[int, str]
) -> list[str]:
    """What changed in the package's plans since ``since`` (plans and steps done), in lines."""
    if not package.plan_ids:
        return ["No plans in this package."]
    marks = ",".join(str(int(i)) for i in package.plan_ids)
    stamp = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    plans = ws.read_frame(
        f"SELECT id, created_at, updated_at FROM plan WHERE id IN ({marks}) ORDER BY id"
    )
    rows = plans.to_dict(orient="records")
    new = [labels[int(r["id"])] for r in rows if str(r["created_at"]) > stamp]
    updated = [
        labels[int(r["id"])]
        for r in rows
        if str(r["created_at"]) <= stamp and str(r["updated_at"]) > stamp
    ]
    lines = []
    if new:
        lines.append(f"New plans: {', '.join(new)}")
    if updated:
        lines.append(f"Updated plans: {', '.join(updated)}")
    if "next_steps" in package.policy.fields:
        done = ws.read_frame(
            f"SELECT plan_id, what FROM planstep WHERE plan_id IN ({marks}) AND done "
            "AND done_at > :s ORDER BY done_at",
            {"s": stamp},
        )
        if len(done):
            steps = [
                f"{r['what']} ({labels[int(r['plan_id'])]})" for r in done.to_dict(orient="records")
            ]
            lines.append(f"Steps done: {'; '.join(steps)}")
    return lines or ["Nothing changed in these plans since then."]


def handoff_summary(
    ws: Workspace,
    package: SharePackage,
    files: Sequence[tuple[str, str]],
    *,
    since: datetime | None,
    today: date | None = None,
    encrypted: bool = False,
) -> tuple[str, str]:
    """(subject, body) of the hand-off for ``package`` and the ``files`` (kind, file name)."""
    day = today or local_today()
    subject = f"Joint account plans: {package.us} and {package.partner} ({_day(day)})"
    lines = [f"Hello {package.partner} team,", ""]
    lines.append(f"Attached ({len(files)} file{'s' if len(files) != 1 else ''}):")
    lines += [f"- {name}: {_WHAT[kind]}" for kind, name in files]
    labels = _labels(package)
    lines.append("")
    if package.counts_only:
        counts = package.counts
        lines.append(
            f"Shared accounts: {counts.get('shared_accounts', 0)} (counts by stage only, no names)."
        )
    else:
        if since is None:
            lines.append("These are the first plans we send you from Overlap.")
        else:
            lines.append(f"What changed since we last sent plans ({_day(since)}):")
            lines += [f"- {line}" for line in _changes(ws, package, since, labels)]
        lines.append("")
        steps = _open_steps(package)
        if "next_steps" in package.policy.fields:
            lines.append("Next steps:")
            lines += [f"- {_step_line(s)}" for s in steps] or ["- None open."]
            lines.append("")
        lines.append(f"What we ask of {package.partner}:")
        asks = [f"- {_step_line(s, owner=False)}" for s in steps if s["Owner"] == package.partner]
        asks += _unnamed_partner_leads(ws, package, labels)
        if any(kind == "plan" for kind, _name in files):
            asks.append(
                "- Import the .overlap-plan file in Overlap (Share, Import plan file) and send "
                "yours back, so both sides work from the same plans."
            )
        asks.append("- Tell us what is wrong or missing before our next sync.")
        lines += asks
    if encrypted:
        lines += [
            "",
            "The .overlap-plan file is encrypted: we give you the passphrase by another channel "
            "(phone or chat), never in this e-mail.",
        ]
    lines += ["", "Best regards,", package.us]
    return subject, "\n".join(lines)


def _labels(package: SharePackage) -> dict[int, str]:
    labels = {}
    for index, plan_id in enumerate(package.plan_ids):
        item = package.plan_items[index] if index < len(package.plan_items) else {}
        labels[int(plan_id)] = str(item.get("label") or f"Account {index + 1}")
    return labels


def _open_steps(package: SharePackage) -> list[dict[str, Any]]:
    if package.steps.empty:
        return []
    steps = package.steps[package.steps["Done"] != "yes"].copy()
    steps["_due"] = steps["Due"].replace("", "9999-12-31")
    steps = steps.sort_values(["_due", "Account"], kind="stable")
    return steps.drop(columns="_due").to_dict(orient="records")  # type: ignore[return-value]


def _step_line(step: dict[str, Any], *, owner: bool = True) -> str:
    who = str(step["Owner"]) + (f" ({step['Person']})" if step.get("Person") else "")
    due = f", due {_day(step['Due'])}" if step.get("Due") else ""
    if not owner:
        who = str(step["Person"]) if step.get("Person") else ""
        return f"{step['Account']}: {step['Next step']}{due}" + (f" ({who})" if who else "")
    return f"{step['Account']}: {step['Next step']}, {who}{due}"


def _unnamed_partner_leads(
    ws: Workspace, package: SharePackage, labels: dict[int, str]
) -> list[str]:
    """Plans the partner leads with nobody of theirs named in the roles."""
    if "lead" not in package.policy.fields or not package.plan_ids:
        return []
    marks = ",".join(str(int(i)) for i in package.plan_ids)
    frame = ws.read_frame(
        f"SELECT p.id FROM plan p WHERE p.id IN ({marks}) AND p.lead = 'partner' "
        "AND NOT EXISTS (SELECT 1 FROM planrole r WHERE r.plan_id = p.id AND r.party = 'partner') "
        "ORDER BY p.account_name"
    )
    return [
        f"- {labels[int(i)]}: you lead this account; tell us who owns it on your side."
        for i in frame["id"]
    ]


def prepare_handoff(
    ws: Workspace,
    partner: str | Partner,
    folder: str | Path,
    *,
    plan_ids: Sequence[int] | None = None,
    kinds: Sequence[str] = DEFAULT_KINDS,
    passphrase: str | None = None,
    to: str | None = None,
    today: date | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Handoff:
    """Write the chosen plan files (``kinds`` of ``HANDOFF_KINDS``) for the partnership into
    ``folder`` and return the summary, subject and ``mailto:`` link of the e-mail to send.

    Every file goes through ``export_share`` (or the calendar export) and so into the egress
    ledger. ``folder`` is created when its parent exists.
    """
    record = resolve_partner(ws, partner)
    chosen = list(dict.fromkeys(str(k).strip().lower() for k in kinds))
    unknown = [k for k in chosen if k not in HANDOFF_KINDS]
    if unknown or not chosen:
        raise OverlapError(
            f"choose the files among {', '.join(HANDOFF_KINDS)}"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    if passphrase and "plan" not in chosen:
        raise OverlapError("a passphrase encrypts the .overlap-plan file; choose that file too")
    if to:
        mailto_url("", "", to=to)  # a clear error for a bad address, before anything is written
    target = Path(folder)
    if not target.is_dir() and not target.parent.is_dir():
        raise OverlapError("the folder does not exist", where=str(target))
    if target.exists() and not target.is_dir():
        raise OverlapError("a file has this name; choose a folder for the files", where=str(target))
    day = today or local_today()
    since = _last_sent(ws, record)
    package = share_preview(
        ws,
        record,
        plan_ids=plan_ids,
        progress=(lambda f, m: progress(f * 0.4, m)) if progress else None,
        cancel=cancel,
    )
    if plan_ids is not None and not package.counts_only:
        missing = sorted(set(int(i) for i in plan_ids) - set(package.plan_ids))
        if missing:
            raise OverlapError(
                f"no plan {', '.join(map(str, missing))} in the partnership with {record.name}"
            )
    plan_files = [k for k in chosen if k != "ics"]
    if plan_files and not package.counts_only and not package.plan_ids:
        raise OverlapError(
            f"there are no plans to send to {record.name} yet: create them on the Plans step "
            "first (the calendar alone can go without them)"
        )
    if not target.is_dir():
        try:
            target.mkdir()
        except OSError as error:
            raise OverlapError(
                f"the folder cannot be made ({error.strerror}): choose another folder",
                where=str(target),
            ) from None
    stem = safe_file_name(f"{package.us} - {record.name} plans {day.isoformat()}")
    files: list[tuple[str, str]] = []
    written: list[Path] = []
    exports: list[ExportResult] = []
    warnings = list(package.warnings)
    for number, kind in enumerate(chosen):
        if cancel is not None and cancel():
            raise Cancelled()
        if progress:
            progress(0.4 + 0.5 * number / len(chosen), f"Writing the {kind} file")
        path = target / f"{stem}{_SUFFIX[kind]}"
        if kind == "ics":
            calendar = export_calendar(
                ws, record, path, plan_ids=list(plan_ids) if plan_ids is not None else None
            )
            warnings += list(calendar.warnings)
        else:
            result = export_share(
                ws,
                record,
                path,
                kind=kind,
                package=package,
                passphrase=passphrase if kind == "plan" else None,
            )
            exports.append(result)
        files.append((kind, path.name))
        written.append(path)
    subject, body = handoff_summary(
        ws, package, files, since=since, today=day, encrypted=bool(passphrase)
    )
    if progress:
        progress(1.0, "Files ready")
    return Handoff(
        folder=target.resolve(),
        files=written,
        subject=subject,
        body=body,
        mailto=mailto_url(subject, body, to=to),
        warnings=warnings,
        exports=exports,
    )
