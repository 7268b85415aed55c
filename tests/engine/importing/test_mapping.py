"""Step 1, mapping (engine/importing/mapping.py): CRM header names, guesses, overrides, profiles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import (
    ImportFileError,
    Workspace,
    import_file,
    list_profiles,
    parse_overrides,
    propose_mapping,
    read_export,
    save_profile,
    standardize,
)
from engine.cli import main as cli
from tests.engine.importing.conftest import _accounts, _ws_file


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (  # Salesforce report
            [
                "Account Name",
                "Account ID",
                "Website",
                "Type",
                "Billing Country",
                "Account Owner",
                "Created Date",
            ],
            {
                "name": "Account Name",
                "external_id": "Account ID",
                "domains": "Website",
                "stage": "Type",
                "country": "Billing Country",
                "owner": "Account Owner",
                "first_touch": "Created Date",
            },
        ),
        (  # Salesforce Data Export (API names)
            [
                "Id",
                "Name",
                "Website",
                "AnnualRevenue",
                "NumberOfEmployees",
                "BillingCity",
                "CreatedDate",
            ],
            {
                "external_id": "Id",
                "name": "Name",
                "domains": "Website",
                "annual_revenue": "AnnualRevenue",
                "employees": "NumberOfEmployees",
                "city": "BillingCity",
                "first_touch": "CreatedDate",
            },
        ),
        (  # HubSpot
            [
                "Record ID",
                "Company name",
                "Company Domain Name",
                "Lifecycle Stage",
                "Company owner",
                "Create Date",
            ],
            {
                "external_id": "Record ID",
                "name": "Company name",
                "domains": "Company Domain Name",
                "stage": "Lifecycle Stage",
                "owner": "Company owner",
                "first_touch": "Create Date",
            },
        ),
        (  # Dynamics 365
            [
                "(Do Not Modify) Account",
                "(Do Not Modify) Row Checksum",
                "Account Name",
                "Website",
                "Relationship Type",
                "Address 1: City",
                "Created On",
            ],
            {
                "name": "Account Name",
                "domains": "Website",
                "stage": "Relationship Type",
                "city": "Address 1: City",
                "first_touch": "Created On",
            },
        ),
        (  # Pipedrive
            [
                "Organization - ID",
                "Organization - Name",
                "Organization - Website",
                "Organization - Label",
                "Organization - Owner",
            ],
            {
                "external_id": "Organization - ID",
                "name": "Organization - Name",
                "domains": "Organization - Website",
                "stage": "Organization - Label",
                "owner": "Organization - Owner",
            },
        ),
        (  # Zoho CRM
            [
                "Record Id",
                "Account Name",
                "Website",
                "Account Type",
                "Billing Country",
                "Created Time",
            ],
            {
                "external_id": "Record Id",
                "name": "Account Name",
                "domains": "Website",
                "stage": "Account Type",
                "country": "Billing Country",
                "first_touch": "Created Time",
            },
        ),
        (  # Attio
            ["Record ID", "Name", "Domains", "Categories", "Created at"],
            {
                "external_id": "Record ID",
                "name": "Name",
                "domains": "Domains",
                "industry": "Categories",
                "first_touch": "Created at",
            },
        ),
        (  # Close
            ["id", "display_name", "url", "status_label", "date_created"],
            {
                "external_id": "id",
                "name": "display_name",
                "domains": "url",
                "stage": "status_label",
                "first_touch": "date_created",
            },
        ),
        (  # plain spreadsheet
            ["account_id", "company_name", "website", "industry", "country", "priority"],
            {
                "external_id": "account_id",
                "name": "company_name",
                "domains": "website",
                "industry": "industry",
                "country": "country",
                "priority": "priority",
            },
        ),
    ],
)
def test_header_aliases(tmp_path: Path, headers: list[str], expected: dict[str, str]) -> None:
    path = tmp_path / "export.csv"
    pd.DataFrame([["x"] * len(headers)], columns=headers).to_csv(path, index=False)
    proposed = propose_mapping(read_export(path))
    got = {f: c.header for f, c in proposed.fields.items() if c.headers}
    for field_name, header in expected.items():
        assert got.get(field_name) == header, (field_name, got)
        assert proposed.fields[field_name].confidence >= 0.9
    assert not any("(Do Not Modify)" in h for c in proposed.fields.values() for h in c.headers)


def test_fuzzy_headers_and_value_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "Acount Nme,Indstry,Links\nAcme,Software,https://acme.com\nGlobex,Energy,globex.com\n"
    )
    proposed = propose_mapping(read_export(path))
    assert proposed.fields["name"].header == "Acount Nme"
    assert 0.5 <= proposed.fields["name"].confidence < 0.9
    assert "resembles" in proposed.fields["name"].reason
    assert proposed.fields["industry"].header == "Indstry"
    assert proposed.fields["domains"].header == "Links"
    assert "look like web" in proposed.fields["domains"].reason
    table = proposed.table(read_export(path))
    assert table.set_index("field").loc["domains", "samples"] == "https://acme.com | globex.com"


def test_email_column_feeds_domains_when_no_website(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Company,Email\nAcme,jane@acme.com\nGlobex,bob@gmail.com\n")
    raw = read_export(path)
    result = standardize(raw, propose_mapping(raw))
    assert result.accounts["domains"].tolist() == ["acme.com", ""]


def test_overrides(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Client,Web,Mail,Kind\nAcme,acme.com,x@acme.de,Customer\n")
    overrides = parse_overrides(["name=Client", "domains=Web", "domains=Mail", "stage=Kind"])
    assert overrides == {"name": "Client", "domains": ["Web", "Mail"], "stage": "Kind"}
    report = import_file(workspace, "us", path, overrides=overrides)
    account = _accounts(workspace).iloc[0]
    assert (account["name"], account["domains"], account["stage"]) == (
        "Acme",
        "acme.com acme.de",
        "customer",
    )
    assert report.proposed.fields["name"].reason == "chosen by you"
    with pytest.raises(ImportFileError, match="no column 'Nope'"):
        import_file(workspace, "us", path, overrides={"name": "Nope"})
    with pytest.raises(ImportFileError, match="not a standard field"):
        import_file(workspace, "us", path, overrides={"colour": "Client"})
    with pytest.raises(ImportFileError, match="FIELD=Header"):
        parse_overrides(["name"])


def test_profiles_are_saved_and_reused(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Kunde,Netz,Art\nAcme,acme.com,Gold Partner\n")
    first = import_file(
        workspace,
        "us",
        path,
        overrides={"name": "Kunde", "domains": "Netz", "stage": "Art"},
        profile="partner-x",
    )
    assert first.summary["imported"] == 1
    again = tmp_path / "export2.csv"
    again.write_text("Kunde,Netz,Art\nGlobex,globex.com,Kunde\n")
    proposed = propose_mapping(read_export(again), ws=workspace)  # found by its header set
    assert proposed.profile == "partner-x"
    assert proposed.fields["domains"].header == "Netz"
    assert proposed.fields["domains"].reason == "saved profile 'partner-x'"
    save_profile(workspace, "partner-x", proposed, stage_values={"Gold Partner": "customer"})
    assert list_profiles(workspace)["name"].tolist() == ["partner-x"]
    import_file(workspace, "us", path)
    assert _accounts(workspace)["stage"].tolist() == ["customer"]


def test_cli_map_and_profile(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ws = _ws_file(tmp_path)
    export = tmp_path / "x.csv"
    export.write_text("Kunde,Netz\nAcme,acme.com\n")
    args = [
        "import",
        str(ws),
        "--side",
        "Globex",
        str(export),
        "--map",
        "name=Kunde",
        "--map",
        "domains=Netz",
    ]
    assert cli([*args, "--profile", "globex"]) == 0
    assert cli(["import", str(ws), "--side", "Globex", str(export)]) == 0
    assert "Company name from 'Kunde'" in capsys.readouterr().out
