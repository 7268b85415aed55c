"""The workspace's tables: one SQLModel class per entity of account mapping.

Accounts are columnar: a snapshot's accounts are stored as Arrow record batches
(``AccountBlock``, columns ``ACCOUNT_SCHEMA``), written and read whole by ``Workspace``. A
snapshot never changes once imported, and every step reads accounts by column, so this costs
one blob write per 200k accounts where a row table would bind some twenty values per account.
Other bulk rows (rejected rows, matches) are written with SQLAlchemy Core through
``Workspace.insert_rows``; the ORM is for the few small records a user edits one at a time.
JSON-shaped values (lists, mappings) are stored as JSON text in ``*_json`` columns.

``SCHEMA_GROUPS`` says which schema version introduced which tables; ``engine.store.workspace``
migrates a file from an older version by creating the groups it lacks, in order, and adding
the columns ``SCHEMA_COLUMNS`` lists to tables that already exist.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyarrow as pa
from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

# ---------------------------------------------------------------- version 1: workspace, import


class Company(SQLModel, table=True):
    """Our own company ("us"); a workspace has exactly one."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    domains_json: str = "[]"
    created_at: datetime
    # Our stage by annual recurring revenue (engine.program.partnership.ARR_STAGES); "" unknown.
    arr_stage: str = Field(default="", sa_column_kwargs={"server_default": ""})


class Partner(SQLModel, table=True):
    """A partnership: the partner company and how we work with it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    model: str = "co-sell"  # referral / co-sell / reseller
    cadence: str = "quarterly"  # monthly / quarterly / semi-annual
    auto_threshold: float = 92.0
    review_threshold: float = 75.0
    created_at: datetime
    last_refresh_at: datetime | None = None
    # Where the partnership is in its lifecycle (engine.program.lifecycle.STAGES).
    stage: str = Field(default="recruit", sa_column_kwargs={"server_default": "recruit"})
    # Days a new plan has to get an owner and a next step before it counts as stalling.
    plan_grace_days: int = Field(default=14, sa_column_kwargs={"server_default": "14"})


class Snapshot(SQLModel, table=True):
    """One imported file of one side. The newest snapshot of a side is its current list."""

    __table_args__ = (Index("ix_snapshot_side", "partner_id", "imported_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # None for our own export, else the partner whose export this is.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="CASCADE")
    file_name: str
    sha256: str
    sheet: str | None = None
    imported_at: datetime
    mapping_json: str  # {standard field: source header}
    extra_columns_json: str = "[]"  # unmapped headers, in file order
    profile: str | None = None
    counts_json: str = "{}"  # imported / rejected / duplicates / fields mapped / not found
    # The snapshot's accounts have the ids first_account_id .. first_account_id + count - 1,
    # in file order (see AccountBlock).
    first_account_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    account_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Version 8: "export" for an imported file; "private" for a partner's shared accounts from
    # private matching (only the accounts both sides have, with the fields the partner allows).
    source: str = Field(default="export", sa_column_kwargs={"server_default": "export"})


# One account of a snapshot: the standard fields, with the raw values kept beside clean ones.
ACCOUNT_SCHEMA = pa.schema(
    [
        ("row_number", pa.int64()),  # the row as a spreadsheet shows it (header is row 1)
        ("external_id", pa.string()),
        ("name", pa.string()),
        ("domains", pa.string()),  # registrable domains, space-separated ("" for none)
        ("domains_raw", pa.string()),
        ("industry", pa.string()),
        ("annual_revenue", pa.float64()),
        ("annual_revenue_raw", pa.string()),
        ("employees", pa.float64()),
        ("country", pa.string()),
        ("city", pa.string()),
        ("stage", pa.string()),  # prospect / customer / churned / other
        ("stage_raw", pa.string()),
        ("owner", pa.string()),
        ("deal_size", pa.float64()),
        ("deal_size_raw", pa.string()),
        ("deal_close_date", pa.string()),  # ISO date
        ("priority", pa.string()),  # high / medium / low
        ("first_touch", pa.string()),  # ISO date
        ("extra_json", pa.string()),  # values of the unmapped columns, aligned with the snapshot
    ]
)
ACCOUNT_COLUMNS: tuple[str, ...] = tuple(ACCOUNT_SCHEMA.names)


class AccountBlock(SQLModel, table=True):
    """Consecutive accounts of one snapshot, as one Arrow IPC file (``ACCOUNT_SCHEMA``)."""

    __table_args__ = (UniqueConstraint("snapshot_id", "part"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", ondelete="CASCADE")
    part: int  # 0, 1, ... in file order
    rows: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RejectedRow(SQLModel, table=True):
    """A source row that did not become an account, with why."""

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", ondelete="CASCADE")
    row_number: int
    reason: str
    raw_json: str


class MappingProfile(SQLModel, table=True):
    """A saved column mapping, reused when the same header set comes again."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    headers_key: str = Field(index=True)  # normalized, sorted header set
    mapping_json: str
    stage_values_json: str = "{}"  # extra raw stage value -> standard stage
    created_at: datetime


# ---------------------------------------------------------------- version 2: matching


class DomainAlias(SQLModel, table=True):
    """Two domains of one company (squareup.com = block.xyz), maintained by the user."""

    __table_args__ = (UniqueConstraint("domain", "other_domain"),)

    id: int | None = Field(default=None, primary_key=True)
    domain: str
    other_domain: str
    created_at: datetime


class Match(SQLModel, table=True):
    """A link between one of our accounts and one of the partner's, from the last matching."""

    __table_args__ = (Index("ix_match_partner_status", "partner_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    # Account ids (see Snapshot.first_account_id); the pair's snapshots are the current ones
    # of the matching that wrote it, and a new matching replaces every row of the partner.
    our_account_id: int
    partner_account_id: int
    method: str  # domain / alias / name / fuzzy / manual
    score: float
    status: str  # auto / review / accepted / rejected / manual
    explanation: str
    matched_at: datetime


class MatchDecision(SQLModel, table=True):
    """A user's decision on a pair; re-applied after every re-match and refreshed import.

    Accounts are keyed by external id, else by name + domains, so decisions outlive snapshots.
    """

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    decision: str  # accept / reject / link / unlink
    reason: str | None = None
    decided_at: datetime
    decided_by: str | None = None


# ---------------------------------------------------------------- version 3: steps 3 to 5


class RuleSet(SQLModel, table=True):
    """One version of a partnership's rules of engagement (a change makes a new version)."""

    __table_args__ = (UniqueConstraint("partner_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    version: int
    criteria_json: str  # ordered [{"name", "enabled", ...params}]
    product_fit_json: str = "{}"  # {"us": [industries or tags], "partner": [...]}
    tie_breaker: str = "us"  # us / partner
    created_at: datetime
    created_by: str | None = None


class Assignment(SQLModel, table=True):
    """Who leads one shared account, by which criterion, and why in words."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    our_account_id: int | None = None
    partner_account_id: int | None = None
    lead: str  # us / partner
    criterion: str
    rationale: str
    rules_version: int
    assigned_at: datetime


class OwnershipOverride(SQLModel, table=True):
    """A lead set by hand; it survives re-assignment."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    lead: str
    reason: str
    decided_by: str | None = None
    decided_at: datetime


class Dispute(SQLModel, table=True):
    """A disagreement over who leads an account, from opening to resolution."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    note: str
    opened_by: str | None = None
    opened_at: datetime
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None


class Plan(SQLModel, table=True):
    """A joint account plan for one shared account."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    account_name: str
    lead: str | None = None  # us / partner
    objective: str = ""
    status: str = "draft"  # draft / active / won / lost / paused
    notes: str = ""
    created_at: datetime
    updated_at: datetime
    # Version 8: the reference both sides see ("P-" and eight letters or digits, carried in
    # plan files and every export), and the kind of a generated objective ("prospect:customer",
    # our stage then theirs; "" once the user writes their own), rendered from each side.
    ref: str = Field(
        default_factory=lambda: new_plan_ref(), sa_column_kwargs={"server_default": ""}
    )
    objective_kind: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # Version 8 (engine.program.outreach): why the customer gains from both companies together.
    why_together: str = Field(default="", sa_column_kwargs={"server_default": ""})


def new_plan_ref() -> str:
    """A fresh plan reference: ``P-`` and eight characters no one reads as another."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(8))


class PlanRole(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE")
    party: str  # us / partner
    person: str
    role: str
    responsibility: str = ""


class PlanStep(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE")
    what: str
    owner_party: str  # us / partner
    owner_person: str | None = None
    due_date: str | None = None  # ISO date
    done: bool = False
    done_at: datetime | None = None
    # Version 8: a step both companies take together (a joint meeting and its preparation).
    joint: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class PlanMetric(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE")
    name: str
    target: float | None = None
    actual: float | None = None
    unit: str = ""


class Opportunity(SQLModel, table=True):
    """A deal, co-sold with the partner or not, for win rate, velocity and deal size."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    account_name: str
    our_key: str | None = None
    amount: float | None = None
    opened: str  # ISO date
    closed: str | None = None  # ISO date
    outcome: str = "open"  # won / lost / open
    partner_involved: bool = False
    # Version 8 (engine.program.deals): co-sold as the user set it ("yes" / "no"; "" lets the
    # account's plan decide), the partner's part (sourced / influenced / ""), the sales stage of
    # an open deal (qualification / proposal / negotiation / ""), and our rep on the deal.
    co_sold: str = Field(default="", sa_column_kwargs={"server_default": ""})
    partner_role: str = Field(default="", sa_column_kwargs={"server_default": ""})
    stage: str = Field(default="", sa_column_kwargs={"server_default": ""})
    owner: str = Field(default="", sa_column_kwargs={"server_default": ""})


class EngagementEvent(SQLModel, table=True):
    """An entry of the engagement log: sync calls, CRM updates, contacts."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    kind: str  # sync_scheduled / sync_attended / crm_update / contact
    at: str  # ISO date
    note: str = ""


class MappingRun(SQLModel, table=True):
    """What the mapping of a partnership looked like after a matching: the refresh baseline."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    ran_at: datetime
    our_snapshot_id: int | None = None
    partner_snapshot_id: int | None = None
    shared_json: str  # [{"our_key", "partner_key", "name", "our_stage", "partner_stage", "lead"}]


# ---------------------------------------------------------------- version 4: sharing


class SharePolicy(SQLModel, table=True):
    """Which fields may leave the laptop for one partnership, and whether only counts may."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE", unique=True)
    fields_json: str  # ["account_name", "domain", "lead", "plan", "next_steps", ...]
    counts_only: bool = False
    # Shared by both sides once one has imported the other's plan file.
    partnership_uuid: str | None = None
    # Keys the opaque plan references we send, so our account keys never leave.
    ref_salt: str
    updated_at: datetime


class EgressRecord(SQLModel, table=True):
    """One file that left through an export: the egress ledger."""

    id: int | None = Field(default=None, primary_key=True)
    # Kept when the partnership is deleted: the ledger outlives what it records.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="SET NULL")
    partner_name: str
    kind: str  # xlsx / pdf / csv / plan / psi-request / psi-response / psi-back / ledger
    path: str
    sha256: str
    fields_json: str = "[]"
    row_count: int = 0
    encrypted: bool = False
    created_at: datetime


class PsiExchange(SQLModel, table=True):
    """One private set intersection by files; its secret is erased when the exchange ends."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    exchange_id: str = Field(index=True)  # random, written in every file of the exchange
    role: str  # requester / responder
    state: str  # requested / responded / finished
    counts_only: bool = False
    secret: bytes | None = None  # the blinding scalar; None once finished
    keys_json: str | None = None  # our keys in the order sent; None once finished
    our_count: int = 0
    their_count: int = 0
    result_json: str | None = None  # {"shared_keys": n, "shared_accounts": n}
    created_at: datetime
    finished_at: datetime | None = None


class PsiKeyPoint(SQLModel, table=True):
    """One of our private-matching keys hashed to the group, kept so that an exchange only
    multiplies (``engine.sharing.psi.prepare_keys``). Our own keys only; rebuilt from them."""

    key: str = Field(primary_key=True)
    point: bytes


class PsiPrepared(SQLModel, table=True):
    """A responder's secret drawn ahead of the next private-matching request, with our keys
    already evaluated under it (in the order of ``keys_digest``'s list): the next ``respond``
    takes it and deletes it, so it serves one exchange only, as a fresh secret would."""

    id: int | None = Field(default=None, primary_key=True)
    secret: bytes
    keys_digest: str  # SHA-256 of our keys in order: a new export makes it stale
    evaluated: bytes  # our keys' points times the secret, 32 bytes each
    created_at: datetime


class PlanSync(SQLModel, table=True):
    """The plan content last exchanged with the partner: the base of a three-way merge."""

    __table_args__ = (UniqueConstraint("partner_id", "our_key", "partner_key"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    base_json: str
    synced_at: datetime


class PlanFileImport(SQLModel, table=True):
    """A partner's ``.overlap-plan`` file that was imported (by content hash)."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    content_sha256: str
    sender: str
    sent_at: str
    imported_at: datetime
    summary_json: str = "{}"


class PlanConflict(SQLModel, table=True):
    """A plan field both sides changed since the last exchange, waiting for the user."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE")
    item: str  # "plan", "step:<what>", "metric:<name>", "role:<party>:<person>"
    field: str
    ours_json: str
    theirs_json: str
    status: str = "open"  # open / ours / theirs
    created_at: datetime
    resolved_at: datetime | None = None


# ---------------------------------------------------------------- version 6: running partnerships


class SyncSchedule(SQLModel, table=True):
    """The rhythm of a partnership's sync meetings (not its mapping refresh cadence).

    The time of day is local wall time in ``time_zone``, not UTC: a recurring 10:00 meeting
    stays at 10:00 when daylight saving time begins or ends.
    """

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE", unique=True)
    rhythm: str  # weekly / bi-weekly / monthly
    next_date: str  # ISO date of the next meeting
    # Monthly meetings fall on the same weekday of the month: week 1-4, or -1 for the last.
    week_of_month: int | None = None
    time_of_day: str = "10:00"  # HH:MM, wall time in time_zone
    time_zone: str = "UTC"  # IANA name
    duration_minutes: int = 30
    updated_at: datetime


class SyncMeeting(SQLModel, table=True):
    """A sync meeting held with the partner, logged from Overlap, with the mapping as it was.

    The mapping (shared pairs with stages and leads, as in ``MappingRun``) is what the next
    agenda compares with to say what is new since this sync.
    """

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    held_on: str  # ISO date
    event_id: int | None = Field(default=None, foreign_key="engagementevent.id", ondelete="CASCADE")
    shared_json: str  # [{"our_key", "partner_key", "name", "our_stage", "partner_stage", "lead"}]
    recorded_at: datetime


class Territory(SQLModel, table=True):
    """A slice of a partnership's accounts by place, industry and size, with a rep on each side.

    Empty lists and missing bounds leave that dimension open (see ``engine.program.territories``).
    """

    __table_args__ = (UniqueConstraint("partner_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    name: str
    countries_json: str = "[]"  # ISO 3166-1 alpha-2 codes
    regions_json: str = "[]"  # region names (engine.program.geography.REGIONS)
    states_json: str = "[]"  # ISO 3166-2 codes, or folded text for other states
    industries_json: str = "[]"  # as the user wrote them; compared folded
    revenue_min: float | None = None  # annual revenue: min <= value < max
    revenue_max: float | None = None
    employees_min: float | None = None  # employees: min <= value < max
    employees_max: float | None = None
    our_rep: str = ""
    partner_rep: str = ""
    created_at: datetime
    updated_at: datetime


class Registration(SQLModel, table=True):
    """A deal registration: one side claims an opportunity on a shared account for a while.

    ``status`` is what was decided (submitted / approved / rejected / expired / won / lost);
    expiry by date is derived when read (``engine.program.registrations``), never written by a job.
    """

    __table_args__ = (Index("ix_registration_partner_account", "partner_id", "our_key"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    side: str  # us / partner: who registered the deal
    our_key: str
    partner_key: str
    account_name: str
    opportunity: str
    amount: float | None = None
    product: str = ""
    expected_close: str | None = None  # ISO date
    registered_on: str  # ISO date
    protection_days: int  # the partnership's period when it was registered, or the file's
    status: str = "submitted"
    decision_reason: str | None = None
    decided_on: str | None = None  # ISO date
    decided_by: str | None = None
    external_id: str | None = None  # the registration's id in the PRM or CRM it came from
    source: str = "manual"  # manual, or the file it was imported from
    created_at: datetime


class RegistrationSetting(SQLModel, table=True):
    """A partnership's deal registration settings: how long a registration is protected."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE", unique=True)
    protection_days: int = 90
    updated_at: datetime
    updated_by: str | None = None


# ---------------------------------------------------------------- version 7: name aliases


class NameAlias(SQLModel, table=True):
    """Two names of one company (a former name, a parent's brand: "Facebook" = "Meta
    Platforms"), maintained by the user; the matching links them as it links domain aliases."""

    __table_args__ = (UniqueConstraint("name", "other_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    other_name: str
    created_at: datetime


# ---------------------------------------------------------------- version 8: two laptops


class UnplacedPlan(SQLModel, table=True):
    """A plan of a partner's file that names no account of ours, kept until the user attaches
    it to one (``item_json``: the checked plan as the file carried it, in the sender's
    orientation)."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    plan_ref: str  # the plan's shared reference (P-...)
    their_ref: str  # the sender's opaque reference of the plan
    account_name: str
    our_crm_id: str = ""  # our CRM id of the account, as the sender holds it
    their_crm_id: str = ""
    domain: str = ""
    reason: str
    item_json: str
    received_at: datetime
    placed_plan_id: int | None = None  # our plan it became, once attached


class DataAgreement(SQLModel, table=True):
    """The data-sharing agreement that covers files with account names leaving for a partner,
    or the user's confirmation that there is none (``kind``: agreement / none). Never edited:
    a new one covers the files written after it."""

    id: int | None = Field(default=None, primary_key=True)
    # Kept when the partnership is deleted, as the ledger it explains.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="SET NULL")
    partner_name: str
    kind: str  # agreement / none
    signed_on: str = ""  # ISO date
    scope: str = ""
    reference: str = ""
    recorded_at: datetime


# ---------------------------------------------------------------- version 8: running the program


class EnablementItem(SQLModel, table=True):
    """Enablement of a partnership: a session held, people trained or certified, a material
    shared; on one side (who was trained) or both (a joint session)."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    kind: str  # session / trained / certified / material
    side: str  # us / partner / both
    title: str
    people: int = 0
    on: str  # ISO date
    note: str = ""
    # The engagement log entry a session wrote (a session is contact with the partner).
    event_id: int | None = Field(
        default=None, foreign_key="engagementevent.id", ondelete="SET NULL"
    )
    created_at: datetime


class RuleAcceptance(SQLModel, table=True):
    """One side's acceptance of a version of the rules of engagement: who, when, and through
    which plan file (if it came in or went out with one)."""

    __table_args__ = (UniqueConstraint("partner_id", "version", "side"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    version: int
    side: str  # us / partner
    accepted_by: str
    accepted_at: datetime
    plan_file: str = ""


class AccountInsight(SQLModel, table=True):
    """What both sides know of one shared account: its needs, stakeholders, competitors and
    the next event to meet it at (engine.program.outreach); travels in plan files."""

    __table_args__ = (UniqueConstraint("partner_id", "our_key", "partner_key"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", ondelete="CASCADE")
    our_key: str
    partner_key: str
    needs: str = ""
    stakeholders: str = ""  # one a line: name, title, what they care about
    competitors: str = ""
    next_event: str = ""
    next_event_date: str | None = None  # ISO date
    updated_at: datetime


SCHEMA_GROUPS: dict[int, list[type[SQLModel]]] = {
    1: [Company, Partner, Snapshot, RejectedRow, MappingProfile],
    2: [DomainAlias, Match, MatchDecision],
    3: [
        RuleSet,
        Assignment,
        OwnershipOverride,
        Dispute,
        Plan,
        PlanRole,
        PlanStep,
        PlanMetric,
        Opportunity,
        EngagementEvent,
        MappingRun,
    ],
    4: [SharePolicy, EgressRecord, PsiExchange, PlanSync, PlanFileImport, PlanConflict],
    # Version 5 moved accounts from a row table into AccountBlock (engine.store.migrations).
    5: [AccountBlock],
    6: [SyncSchedule, SyncMeeting, Territory, Registration, RegistrationSetting],
    7: [NameAlias],
    8: [UnplacedPlan, DataAgreement, EnablementItem, RuleAcceptance, AccountInsight],
    9: [PsiKeyPoint, PsiPrepared],
}
SCHEMA_VERSION = max(SCHEMA_GROUPS)

# Columns a version added to the tables of an earlier one, as (model, column name). Each needs
# a server default (``sa_column_kwargs={"server_default": ...}``) for the rows already there.
SCHEMA_COLUMNS: dict[int, list[tuple[type[SQLModel], str]]] = {
    8: [
        *((Opportunity, c) for c in ("co_sold", "partner_role", "stage", "owner")),
        *((Plan, c) for c in ("ref", "objective_kind")),
        (Plan, "why_together"),
        (PlanStep, "joint"),
        (Company, "arr_stage"),
        (Partner, "stage"),
        (Partner, "plan_grace_days"),
        (Snapshot, "source"),
    ],
}
