"""Compatibility-kit style catalog cases between real node processes: catalog request, dataset, not found."""

from exchange.dsp_support import AUTO, HIDDEN, MANUAL, Network, assert_dsp, manage, member
from fabnet.exchange import messages


def test_version_endpoint_lists_2025_1(network: Network) -> None:
    import httpx

    document = httpx.get(network.provider.url + "/.well-known/dspace-version").json()
    assert any(v["version"] == "2025-1" and v["binding"] == "HTTPS" for v in document["protocolVersions"])


def test_catalog_request_returns_a_valid_catalog_filtered_by_access(network: Network) -> None:
    response = network.probe.post(network.provider, "/catalog/request", messages.catalog_request())
    assert response.status_code == 200
    catalog = response.json()
    assert_dsp(catalog, "Catalog")
    ids = {dataset["@id"] for dataset in catalog["dataset"]}
    assert {AUTO, MANUAL} <= ids
    assert HIDDEN not in ids, "the access policy limits the secret order to another hub"
    assert catalog["participantId"] == member(network.provider)


def test_catalog_through_the_consumer_node(network: Network) -> None:
    catalog = manage(network.consumer, "POST", "/catalog", json={"peer_url": network.provider.url}).json()
    assert_dsp(catalog, "Catalog")
    offers = [offer["@id"] for dataset in catalog["dataset"] for offer in dataset["hasPolicy"]]
    assert f"{AUTO}:offer" in offers


def test_dataset_request(network: Network) -> None:
    response = network.probe.get(network.provider, f"/catalog/datasets/{AUTO}")
    assert response.status_code == 200
    dataset = response.json()
    assert_dsp(dataset, "Dataset")
    assert dataset["@id"] == AUTO


def test_dataset_not_found(network: Network) -> None:
    response = network.probe.get(network.provider, "/catalog/datasets/urn:fabnet:asset:no-such-thing")
    assert response.status_code == 404
    assert_dsp(response.json(), "CatalogError")


def test_hidden_dataset_is_not_found_for_outsiders(network: Network) -> None:
    response = network.probe.get(network.provider, f"/catalog/datasets/{HIDDEN}")
    assert response.status_code == 404


def test_catalog_request_with_wrong_type_is_refused(network: Network) -> None:
    response = network.probe.post(network.provider, "/catalog/request", messages.dataset_request(AUTO))
    assert response.status_code == 400
    assert_dsp(response.json(), "CatalogError")
