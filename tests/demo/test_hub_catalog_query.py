"""The allocation's capability query as the hub's search parameters: every constraint carried over, floats exactly,
and what the hub's search cannot say refused with the field named (rather than answered differently)."""

import pytest

from fabnet.network.catalog import CapabilityQuery, CatalogError, GeoPoint, RankingWeights
from fabnet.scenarios.demo_network.hub_catalog import HubCatalogSearch


def test_every_constraint_becomes_a_parameter() -> None:
    query = CapabilityQuery(
        skill="cut.laser", material="S235", thickness_mm=0.1 + 0.2, part_size_mm=(600, 400.5, 3), tolerance_mm=0.05,
        hub_ids=("hub-brainport",), near=GeoPoint(latitude=51.44, longitude=5.47), max_distance_km=80,
        exclude_companies=("kempenplaat", "maaslas"), limit=500)
    params = HubCatalogSearch.parameters(query)
    assert params == {
        "skill": "cut.laser", "limit": "500", "min_free_minutes_per_week": "0.0", "material": "S235",
        "thickness_mm": repr(0.1 + 0.2), "tolerance_mm": "0.05", "max_distance_km": "80.0",
        "envelope": "600.0,400.5,3.0", "near": "51.44,5.47", "region": "hub-brainport",
        "exclude": "kempenplaat,maaslas"}
    assert float(params["thickness_mm"]) == query.thickness_mm, "floats go over exactly"
    assert HubCatalogSearch.parameters(CapabilityQuery(skill="coat.powder")) == {
        "skill": "coat.powder", "limit": "20", "min_free_minutes_per_week": "0.0"}


@pytest.mark.parametrize(("change", "field"), [
    ({"ranking": RankingWeights(rate=3.0)}, "ranking"),
    ({"hub_ids": ("hub-brainport", "hub-rotterdam")}, "hub_ids"),
    ({"limit": 5000}, "limit"),
])
def test_what_the_hub_cannot_search_is_refused(change: dict, field: str) -> None:
    with pytest.raises(CatalogError, match=f"^{field}: "):
        HubCatalogSearch.parameters(CapabilityQuery(skill="cut.laser").model_copy(update=change))
