"""`fabnet aas export|import|verify` end to end: the brainport scenario, a real SQLite store, one transaction."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.samples import company, machine, network, order, part
from fabnet.cli.aas import app as aas_app
from fabnet.cli.root import app
from fabnet.domain import Company
from fabnet.scenarios import load_scenario
from fabnet.standards.aas import read_document, verify_document, write_document
from fabnet.store import open_store

assert aas_app is not None  # importing the module registers `fabnet aas` on the root app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["aas", *args])
    return result.exit_code, result.output


def seeded(path_or_url: Path | str, *extra: object) -> str:
    """A store (a SQLite file, or the URL given) holding the sample network and `extra` records."""
    url = path_or_url if isinstance(path_or_url, str) else f"sqlite:///{path_or_url}"
    with open_store(url) as store, store.transaction() as uow:
        uow.import_network(network())
        for record in extra:
            uow.save(record)  # type: ignore[arg-type]
    return url


EXPORTS = {
    "company": "rijnmond-coat",
    "machine": "kp-laser-12",
    "design": "fr-200",
    "order": "bp-o001",
    "plan": "br-100",
}


@pytest.mark.parametrize("fmt", ["json", "xml", "aasx"])
@pytest.mark.parametrize("kind", EXPORTS)
def test_export_of_every_kind_and_format_verifies_and_reads_back(kind: str, fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"{kind}.{fmt}"
    code, output = run("export", kind, EXPORTS[kind], "--format", fmt, "-o", str(target), "--json")
    assert code == 0, output
    assert json.loads(output.splitlines()[-1])["file"] == str(target)
    assert verify_document(target) == []
    records = read_document(target)
    scenario = load_scenario("brainport")
    if kind == "company":
        assert records == [scenario.company("rijnmond-coat"), *scenario.machines_of("rijnmond-coat")]
    elif kind == "design":
        assembly = scenario.design("fr-200")
        assert records[0] == assembly
        assert {line.design_id for line in assembly.bom} <= {r.id for r in records[1:]}
    elif kind == "plan":
        (plan,) = records
        assert plan.design_id == "br-100" and plan.operations
    else:
        assert records == [getattr(scenario, kind)(EXPORTS[kind])]


def test_export_of_an_unknown_id_is_a_one_line_error(tmp_path: Path) -> None:
    code, output = run("export", "machine", "no-such-machine", "-o", str(tmp_path / "m.json"))
    assert code == 2
    assert "unknown machine 'no-such-machine'" in output and output.count("\n") == 1
    assert not (tmp_path / "m.json").exists()


def test_passport_exports_from_one_store_and_imports_into_another(tmp_path: Path) -> None:
    source = seeded(tmp_path / "source.sqlite", part())
    target = tmp_path / "p-1.aasx"
    code, output = run("export", "passport", "p-1", "--db", source, "--format", "aasx", "-o", str(target))
    assert code == 0, output
    assert verify_document(target) == []
    destination = seeded(tmp_path / "destination.sqlite")
    code, output = run("import", str(target), "--db", destination, "--json")
    assert code == 0, output
    assert json.loads(output) == {"file": str(target), "imported": {"Part": 1}}
    with open_store(destination) as store, store.transaction() as uow:
        assert uow.parts.get("p-1").model_dump_json() == part().model_dump_json()


def test_import_writes_every_record_of_the_file(tmp_path: Path) -> None:
    url = seeded(tmp_path / "fabnet.sqlite")
    renamed = company().model_copy(update={"name": "Acme Sheet Metal B.V. (fictional)"})
    document = write_document([machine("laser-9"), renamed, order("o-9")], tmp_path / "acme.xml", "xml")
    code, output = run("import", str(document), "--db", url)
    assert code == 0, output
    with open_store(url) as store, store.transaction() as uow:
        assert uow.companies.get("acme-sheet").name == "Acme Sheet Metal B.V. (fictional)"
        assert uow.machines.get("laser-9") == machine("laser-9")
        assert uow.orders.get("o-9") == order("o-9")


def test_a_failing_import_changes_nothing(store_url: str, tmp_path: Path) -> None:
    url = seeded(store_url)
    renamed = company().model_copy(update={"name": "Renamed B.V."})
    orphan = order("o-9").model_copy(update={"customer_id": "ghost-customer"})
    document = write_document([renamed, machine("laser-9"), orphan], tmp_path / "mixed.json", "json")
    code, output = run("import", str(document), "--db", url)
    assert code == 2
    assert output.startswith(f"error: {document}: nothing imported: ") and output.count("\n") == 1
    assert "ghost-customer" in output
    with open_store(url) as store, store.transaction() as uow:
        assert uow.companies.get("acme-sheet") == company()
        assert uow.machines.find("laser-9") is None
        assert uow.orders.find("o-9") is None
    code, output = run("import", str(document.with_name("fixed.json")), "--db", url)  # absent file: refused too
    assert code == 2 and "fixed.json: cannot read the file" in output


def test_a_malformed_file_imports_nothing_and_names_the_file(tmp_path: Path) -> None:
    url = seeded(tmp_path / "fabnet.sqlite")
    document = write_document([machine("laser-9")], tmp_path / "machine.json", "json")
    document.write_text(document.read_text().replace('"idShort": "MachineOperation"', '"idShort": "2nd"'))
    code, output = run("import", str(document), "--db", url)
    assert code == 2
    assert output.startswith(f"error: {document}: ") and "ID-short" in output
    with open_store(url) as store, store.transaction() as uow:
        assert uow.machines.find("laser-9") is None
    code, output = run("verify", str(document), "--json")
    assert code == 1
    assert json.loads(output)["conforms"] is False


def test_records_read_back_are_domain_objects(tmp_path: Path) -> None:
    document = write_document([company()], tmp_path / "c.json", "json")
    (record,) = read_document(document)
    assert isinstance(record, Company) and record.peppol_id == "0106:12345678"
