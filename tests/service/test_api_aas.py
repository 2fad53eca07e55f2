"""AAS Part 2 style endpoints: every shell and submodel the node serves is a document aas-core3.1 accepts, shells
reference submodels that exist, identifiers travel base64url-encoded, paging, value-only, and errors."""

import base64
import json
from collections.abc import Iterator

import aas_core3_1.jsonization as aas_json
import aas_core3_1.verification as aas_verification
import pytest

from fabnet.domain.access import Role
from service.api_support import COMPANY, ApiNode, api_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    with api_node(tmp_path_factory.mktemp("aas-node")) as node:
        yield node


def encoded(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def _all(node: ApiNode, path: str, limit: int = 7) -> list[dict]:
    """Every item of a paged AAS listing, following the cursor."""
    items: list[dict] = []
    cursor = None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = node.client.get(path + query, headers=node.as_(Role.VIEWER)).json()
        items += page["result"]
        cursor = page["paging_metadata"].get("cursor")
        if not cursor:
            return items


def _findings(instance: object) -> list[str]:
    return [f"{finding.path}: {finding.cause}" for finding in aas_verification.verify(instance)]


def test_every_shell_conforms_and_names_existing_submodels(node: ApiNode) -> None:
    shells = _all(node, "/shells")
    assert any(shell["id"].endswith(f"/company/{COMPANY}") for shell in shells)
    assert len({shell["id"] for shell in shells}) == len(shells)
    for listed in shells:
        one = node.client.get(f"/shells/{encoded(listed['id'])}", headers=node.admin)
        assert one.status_code == 200
        assert one.json() == listed
        assert _findings(aas_json.asset_administration_shell_from_jsonable(one.json())) == []
        references = _all(node, f"/shells/{encoded(listed['id'])}/submodel-refs", limit=2)
        assert len(references) == len(listed["submodels"])
        for reference in references:
            submodel_id = reference["keys"][0]["value"]
            assert node.client.get(f"/submodels/{encoded(submodel_id)}", headers=node.admin).status_code == 200


def test_every_submodel_conforms_and_has_a_value_only_form(node: ApiNode) -> None:
    submodels = _all(node, "/submodels", limit=25)
    assert len(submodels) >= len(_all(node, "/shells"))
    for listed in submodels:
        assert _findings(aas_json.submodel_from_jsonable(listed)) == []
        value = node.client.get(f"/submodels/{encoded(listed['id'])}/$value", headers=node.admin)
        assert value.status_code == 200
        names = {e["idShort"] for e in listed.get("submodelElements", []) if e["modelType"] != "Capability"}
        assert set(value.json()) == names
        json.dumps(value.json())  # plain JSON, no basyx objects left


def test_the_whole_listing_as_one_environment_conforms(node: ApiNode) -> None:
    environment = {"assetAdministrationShells": _all(node, "/shells"), "submodels": _all(node, "/submodels")}
    assert _findings(aas_json.environment_from_jsonable(environment)) == []


def test_submodels_filter_by_semantic_id(node: ApiNode) -> None:
    first = _all(node, "/submodels")[0]
    semantic = first["semanticId"]["keys"][0]["value"]
    page = node.client.get(f"/submodels?semanticId={encoded(semantic)}", headers=node.admin).json()["result"]
    assert page and all(s["semanticId"]["keys"][0]["value"] == semantic for s in page)


def test_value_of_a_machine_nameplate_reads_plainly(node: ApiNode) -> None:
    machine = node.client.get("/api/v1/machines?limit=1", headers=node.admin).json()["items"][0]
    shell = next(s for s in _all(node, "/shells") if s["id"].endswith(f"/machine/{machine['id']}"))
    submodel_ids = [r["keys"][0]["value"] for r in shell["submodels"]]
    values = [node.client.get(f"/submodels/{encoded(i)}/$value", headers=node.admin).json() for i in submodel_ids]
    assert machine["id"] in json.dumps(values)


@pytest.mark.parametrize("path", ["/shells/{}", "/shells/{}/submodel-refs", "/submodels/{}", "/submodels/{}/$value"])
def test_unknown_and_malformed_identifiers(node: ApiNode, path: str) -> None:
    unknown = node.client.get(path.format(encoded("urn:nothing:here")), headers=node.admin)
    assert unknown.status_code == 404 and "urn:nothing:here" in unknown.json()["error"]
    malformed = node.client.get(path.format("a"), headers=node.admin)
    assert malformed.status_code == 400 and "Identifier" in malformed.json()["error"]


def test_bad_cursor_and_no_credentials(node: ApiNode) -> None:
    assert node.client.get("/shells?cursor=abc", headers=node.admin).status_code == 400
    assert node.client.get("/shells?limit=0", headers=node.admin).status_code == 422
    assert node.client.get("/shells").status_code == 401
