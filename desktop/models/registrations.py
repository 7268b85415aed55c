"""The Registrations page's table models: the registrations, their conflicts, the accounts."""

from __future__ import annotations

from desktop.models.frame import Column, FrameModel


class RegistrationsModel(FrameModel):
    """The partnership's deal registrations, with protection and conflicts."""

    NUMBER, ACCOUNT, SIDE, OPPORTUNITY, AMOUNT, REGISTERED, PROTECTED, DAYS_LEFT, STATUS = range(9)
    COLUMNS = (
        Column("id", "#", "number", "The registration's number in this workspace"),
        Column("account_name", "Account"),
        Column("side_name", "By", tooltip="The company that registered the deal"),
        Column("opportunity", "Opportunity"),
        Column("amount", "Amount", "money"),
        Column("registered_on", "Registered", "date"),
        Column("protected_until", "Until", "date", "The last day of protection"),
        Column("days_left", "Days left", "number", "Days of protection after today"),
        Column("status", "Status"),
        Column("conflicts_with", "Conflicts", tooltip="Registrations (#) protected at once"),
        Column("product", "Product"),
        Column("decision_reason", "Reason", tooltip="Why it was approved or rejected"),
        Column(
            "external_id", "Reg. id", tooltip="The registration's id in the portal it came from"
        ),
    )


class ConflictsModel(FrameModel):
    """Conflicts: two registrations of one account protected at once."""

    COLUMNS = (
        Column("account_name", "Account"),
        Column("first_label", "Earlier registration"),
        Column("second_label", "Later registration"),
        Column("overlap", "Both protected"),
    )


class RegisteredAccountsModel(FrameModel):
    """One row per registered account."""

    COLUMNS = (
        Column("account_name", "Account"),
        Column("registrations", "Registrations", "number"),
        Column("active", "Active", "number", "Submitted, approved or won, not expired"),
        Column("holder_name", "Held by"),
        Column("protected_until", "Protected until", "date"),
        Column("conflicts", "In conflict", "number"),
        Column("latest", "Last registered", "date"),
    )
