"""Sharing without leaking: share policy and preview, plan files (XLSX, PDF, CSV,
``.overlap-plan`` with optional passphrase encryption), their import and merge, private set
intersection over files, and the ledger of every file that left."""

from engine.output.safe_cells import csv_safe_texts
from engine.sharing.export import (
    EXPORT_KINDS,
    ExportResult,
    export_share,
    kind_for,
    share_fields,
)
from engine.sharing.handoff import (
    DEFAULT_KINDS as HANDOFF_DEFAULT_KINDS,
)
from engine.sharing.handoff import (
    HANDOFF_KINDS,
    MAILTO_LIMIT,
    Handoff,
    mailto_url,
    prepare_handoff,
)
from engine.sharing.planfile import (
    PlanImportResult,
    import_plan_file,
    plan_conflicts,
    plan_file_is_encrypted,
    read_plan_file,
    resolve_conflict,
)
from engine.sharing.policy import (
    DEFAULT_FIELDS,
    SHARE_FIELDS,
    SMALL_CELL,
    Policy,
    SharePackage,
    set_share_policy,
    share_policy,
    share_preview,
)
from engine.sharing.psi import (
    PsiResult,
    PsiStep,
    prepare_keys,
    private_matching_in_use,
    psi_exchanges,
    psi_finish,
    psi_forget,
    psi_request,
    psi_respond,
    read_psi_file,
)
from engine.sharing.unplaced import place_unplaced, unplaced_plans
from engine.store.ledger import (
    agreements,
    current_agreement,
    egress_ledger,
    export_egress_ledger,
    export_table,
    record_agreement,
    require_agreement,
)

__all__ = [
    "DEFAULT_FIELDS",
    "EXPORT_KINDS",
    "HANDOFF_DEFAULT_KINDS",
    "HANDOFF_KINDS",
    "MAILTO_LIMIT",
    "SHARE_FIELDS",
    "SMALL_CELL",
    "ExportResult",
    "Handoff",
    "PlanImportResult",
    "Policy",
    "PsiResult",
    "PsiStep",
    "SharePackage",
    "agreements",
    "csv_safe_texts",
    "current_agreement",
    "egress_ledger",
    "export_egress_ledger",
    "export_share",
    "export_table",
    "import_plan_file",
    "kind_for",
    "mailto_url",
    "place_unplaced",
    "plan_conflicts",
    "plan_file_is_encrypted",
    "prepare_handoff",
    "prepare_keys",
    "private_matching_in_use",
    "psi_exchanges",
    "psi_finish",
    "psi_forget",
    "psi_request",
    "psi_respond",
    "read_plan_file",
    "read_psi_file",
    "record_agreement",
    "require_agreement",
    "resolve_conflict",
    "set_share_policy",
    "share_fields",
    "share_policy",
    "share_preview",
    "unplaced_plans",
]
