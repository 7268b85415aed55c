"""The demo workspace: Acme Corp's Salesforce export mapped against its partners' exports,
Globex's HubSpot export and Northwind's Pipedrive export.

``build_demo`` makes it through the public steps (import the bundled exports, match, register
deals, assign owners, define territories, set the sync meetings), so what a new user opens is
exactly what they would get with their own files, with something on every page. The file is
built under a temporary name and moved into place at the end: a cancelled or failed build
leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from engine.errors import OverlapError
from engine.paths import data_dir, resource
from engine.store.workspace import Progress, Workspace

US_NAME = "Acme Corp"
US_DOMAINS = ("acme.com",)
PARTNER = "Globex"
SECOND_PARTNER = "Northwind"
OUR_FILE = "acme_salesforce.csv"
PARTNER_FILE = "globex_hubspot.csv"
SECOND_FILE = "northwind_pipedrive.csv"


def demo_path() -> Path:
    """Where the demo workspace lives: ``demo.overlap`` in the user's data folder."""
    return data_dir() / "demo.overlap"


def demo_files() -> tuple[Path, Path, Path]:
    """Our export, Globex's and Northwind's."""
    paths = tuple(resource("demo", name) for name in (OUR_FILE, PARTNER_FILE, SECOND_FILE))
    for path in paths:
        if not path.is_file():
            raise OverlapError(
                "the demo exports are missing from this installation", where=str(path)
            )
    return paths  # type: ignore[return-value]


def build_demo(
    path: str | Path | None = None,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Build the demo workspace at ``path`` (default ``demo_path()``); returns its path.

    An existing file at ``path`` is left alone and returned as it is.
    """
    from engine.importing import import_file
    from engine.matching import match_partner
    from engine.ownership import assign

    target = Path(path) if path is not None else demo_path()
    if target.exists():
        return target
    ours, theirs, second = demo_files()
    building = target.with_name(f".{target.stem}-building.overlap")
    _remove(building)

    def part(start: float, end: float) -> Progress | None:
        if progress is None:
            return None
        return lambda fraction, message: progress(start + (end - start) * fraction, message)

    try:
        with Workspace.create(building, US_NAME, US_DOMAINS) as ws:
            ws.add_partner(PARTNER, model="co-sell", cadence="quarterly")
            ws.add_partner(SECOND_PARTNER, model="referral", cadence="semi-annual")
            import_file(ws, "us", ours, progress=part(0.0, 0.25), cancel=cancel)
            import_file(ws, PARTNER, theirs, progress=part(0.25, 0.45), cancel=cancel)
            match_partner(ws, PARTNER, progress=part(0.45, 0.65), cancel=cancel)
            import_file(ws, SECOND_PARTNER, second, progress=part(0.65, 0.72), cancel=cancel)
            match_partner(ws, SECOND_PARTNER, progress=part(0.72, 0.82), cancel=cancel)
            # Registered before the rules are applied: an approved one counts for "introduced
            # first", as it would in the user's own workspace.
            _add_registrations(ws)
            assign(ws, PARTNER, progress=part(0.82, 0.88), cancel=cancel)
            assign(ws, SECOND_PARTNER, progress=part(0.88, 0.93), cancel=cancel)
            _add_tracking(ws)
            _add_second_tracking(ws)
            _add_territories(ws)
            _add_sync_meetings(ws)
            _add_pilot(ws)
            _add_program(ws)
        os.replace(building, target)
    except BaseException:
        _remove(building)
        raise
    if progress is not None:
        progress(1.0, "Demo workspace ready")
    return target


def _add_tracking(ws: Workspace) -> None:
    """Deals and engagement for the dashboard, and a baseline for the next refresh.

    Made up like the exports: deterministic, dated relative to the day the demo is built, with
    co-sold deals winning more often, faster and bigger, as a partnership that works would show.
    """
    import random
    from datetime import date, timedelta

    from engine.overlaps import build_mapping
    from engine.program.metrics import add_opportunity, log_engagement
    from engine.program.refresh import record_mapping

    mapping = build_mapping(ws, PARTNER)
    record_mapping(ws, PARTNER, mapping=mapping)
    shared = mapping[mapping["status"] == "shared"].sort_values("name").head(60)
    rng = random.Random(7)
    today = date.today()
    for number, row in enumerate(shared.itertuples(index=False)):
        co_sold = number % 2 == 0
        opened = today - timedelta(days=rng.randint(60, 300))
        days = rng.randint(35, 90) if co_sold else rng.randint(70, 160)
        closed = opened + timedelta(days=days)
        won = rng.random() < (0.55 if co_sold else 0.3)
        outcome = "open" if closed > today else ("won" if won else "lost")
        amount = round(rng.uniform(40_000, 160_000) * (1.3 if co_sold else 1.0), -3)
        add_opportunity(
            ws,
            PARTNER,
            str(row.name),
            opened,
            amount=amount,
            closed=None if outcome == "open" else closed,
            outcome=outcome,
            partner_involved=co_sold,
            our_key=str(row.our_key),
        )
    for weeks_ago in range(1, 7):
        day = today - timedelta(weeks=2 * weeks_ago)
        log_engagement(ws, PARTNER, "sync_scheduled", day)
        if weeks_ago != 3:
            log_engagement(ws, PARTNER, "sync_attended", day, "pipeline review")
        log_engagement(ws, PARTNER, "crm_update", day + timedelta(days=1))


def _add_second_tracking(ws: Workspace) -> None:
    """Northwind, a newer and smaller partnership: a few deals, monthly syncs, a baseline."""
    import random
    from datetime import date, timedelta

    from engine.overlaps import build_mapping
    from engine.program.metrics import add_opportunity, log_engagement
    from engine.program.refresh import record_mapping

    mapping = build_mapping(ws, SECOND_PARTNER)
    record_mapping(ws, SECOND_PARTNER, mapping=mapping)
    shared = mapping[mapping["status"] == "shared"].sort_values("name").head(16)
    rng = random.Random(11)
    today = date.today()
    for number, row in enumerate(shared.itertuples(index=False)):
        co_sold = number % 2 == 0
        opened = today - timedelta(days=rng.randint(90, 240))
        closed = opened + timedelta(days=rng.randint(50, 120))
        outcome = "open" if closed > today else ("won" if rng.random() < 0.4 else "lost")
        add_opportunity(
            ws,
            SECOND_PARTNER,
            str(row.name),
            opened,
            amount=round(rng.uniform(20_000, 90_000), -3),
            closed=None if outcome == "open" else closed,
            outcome=outcome,
            partner_involved=co_sold,
            our_key=str(row.our_key),
        )
    for months_ago in (1, 2, 3):
        day = today - timedelta(weeks=4 * months_ago)
        log_engagement(ws, SECOND_PARTNER, "sync_scheduled", day)
        if months_ago != 2:
            log_engagement(ws, SECOND_PARTNER, "sync_attended", day, "pipeline review")


def _add_pilot(ws: Workspace) -> None:
    """Globex's pilot began six months ago: the baseline was recorded then, so the dashboard
    shows each figure quarter by quarter since; four co-sold deals carry the partner's part.
    (No joint plans: the user makes them for the shortlist, and those accounts become the
    pilot accounts the dashboard compares with the rest.)"""
    from datetime import UTC, datetime, timedelta

    from engine.program.deals import set_deal

    deals = ws.read_frame(
        "SELECT o.id FROM opportunity o JOIN partner p ON p.id = o.partner_id "
        "WHERE p.name = :n AND o.partner_involved ORDER BY o.account_name LIMIT 4",
        {"n": PARTNER},
    )
    for number, deal_id in enumerate(deals["id"]):
        set_deal(ws, int(deal_id), partner_role="sourced" if number % 2 else "influenced")
    started = (datetime.now(UTC) - timedelta(days=182)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with ws.transaction() as connection:
        connection.exec_driver_sql(
            "UPDATE mappingrun SET ran_at = ? WHERE partner_id = (SELECT id FROM partner "
            "WHERE name = ?)", (started, PARTNER),
        )  # fmt: skip


def _add_territories(ws: Workspace) -> None:
    """Globex's partnership split between two pairs of reps; the rest in no territory."""
    from engine.program.territories import add_territory

    add_territory(
        ws, PARTNER, "North America", regions="NA", our_rep="Ana Hill", partner_rep="Kevin Roberts"
    )
    add_territory(
        ws, PARTNER, "EMEA", regions="EMEA", our_rep="George Bianchi", partner_rep="Lucia Martin"
    )


def _add_sync_meetings(ws: Workspace) -> None:
    """Globex every two weeks, as the engagement log shows, the next one today; Northwind
    monthly. In this machine's time zone, as a user setting them would."""
    from datetime import date, timedelta

    from engine.program.sync import set_sync_schedule

    today = date.today()
    set_sync_schedule(ws, PARTNER, rhythm="bi-weekly", next_date=today, time_of_day="10:00")
    set_sync_schedule(
        ws, SECOND_PARTNER, rhythm="monthly", next_date=today + timedelta(days=8),
        time_of_day="16:00", duration_minutes=45,
    )  # fmt: skip


def _add_program(ws: Workspace) -> None:
    """Running the program: our ARR stage, each partnership's lifecycle stage, Globex's rules
    accepted by both sides and its enablement, and a dispute with Northwind settled in its
    favour (a referral partner's lead, agreed by exception: Globex leads that account too)."""
    from datetime import date, timedelta

    from engine.overrides import open_dispute, resolve_dispute
    from engine.program.enablement import add_enablement
    from engine.program.lifecycle import accept_rules, set_partner
    from engine.program.partners import cross_partner
    from engine.program.partnership import set_arr_stage

    set_arr_stage(ws, "startup")
    set_partner(ws, PARTNER, stage="grow")
    set_partner(ws, SECOND_PARTNER, stage="onboard")
    accept_rules(ws, PARTNER, "us", "Ana Hill", plan_file="globex-plans.overlap-plan")
    accept_rules(ws, PARTNER, "partner", "Kevin Roberts", plan_file="acme-plans.overlap-plan")
    held = date.today() - timedelta(days=30)
    add_enablement(ws, PARTNER, "session", "Each side's product and pitch", on=held)
    add_enablement(ws, PARTNER, "trained", "Globex platform basics", side="us", people=6, on=held)
    add_enablement(ws, PARTNER, "trained", "Acme for Globex sellers", side="partner", people=8,
                   on=held)  # fmt: skip
    add_enablement(ws, PARTNER, "material", "Joint battle card", on=held)
    pairs = cross_partner(ws, reasons=False).pairs
    theirs = set(pairs[(pairs["partner"] == PARTNER) & (pairs["lead"] == "partner")]["our_key"])
    second = pairs[(pairs["partner"] == SECOND_PARTNER) & pairs["our_key"].isin(theirs)]
    if len(second):
        row = second.iloc[0]
        dispute = open_dispute(
            ws, SECOND_PARTNER, str(row["our_key"]), str(row["partner_key"]),
            "Northwind's account director has run this account for years",
        )  # fmt: skip
        resolve_dispute(
            ws,
            int(dispute.id),  # type: ignore[arg-type]
            "Northwind leads this one by exception",
            lead="partner",
        )


def _add_registrations(ws: Workspace) -> None:
    """Deal registrations of both sides, dated relative to today: approved and pending ones,
    one about to expire, one expired, one rejected, one won, and one conflict to settle."""
    from datetime import date, timedelta

    from engine.overlaps import build_mapping
    from engine.program.registrations import add_registration

    shared = build_mapping(ws, PARTNER)
    names = shared[shared["status"] == "shared"].sort_values("name")["our_key"].tolist()
    today = date.today()
    plan = [
        # (account, side, opportunity, amount, product, days ago, status, reason)
        (0, "partner", "Data platform rollout", 120_000, "Analytics", 40, "approved", None),
        (1, "partner", "Security review", 65_000, "Security", 86, "approved", None),
        (2, "us", "Regional expansion", 90_000, "Platform", 20, "approved", None),
        (3, "partner", "Reporting add-on", 30_000, "Analytics", 6, "submitted", None),
        (4, "partner", "Migration project", 45_000, "Platform", 130, "approved", None),
        (5, "us", "Renewal and upsell", 75_000, "Platform", 60, "won", None),
        (6, "partner", "Pilot for two teams", 25_000, "Analytics", 30, "rejected",
         "We have worked this account since last year"),
        (0, "us", "Analytics for finance", 55_000, "Analytics", 12, "submitted", None),
    ]  # fmt: skip
    for at, side, opportunity, amount, product, days, status, reason in plan:
        if at >= len(names):
            continue
        add_registration(
            ws,
            PARTNER,
            names[at],
            side=side,
            opportunity=opportunity,
            amount=amount,
            product=product,
            expected_close=today + timedelta(days=90 - days % 30),
            registered_on=today - timedelta(days=days),
            status=status,
            reason=reason,
            today=today,
        )


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
