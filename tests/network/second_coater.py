"""Brainport with a second powder coater: the reference network has one supplier per skill, so tests of choosing,
splitting and replacing partners add another."""

from fabnet.domain import RegionalNetwork

COATERS = ("rijnmond-coat", "tweede-coat")


def with_a_second_coater(brainport: RegionalNetwork) -> RegionalNetwork:
    """Brainport plus a second powder coater near Eindhoven (a copy of rijnmond-coat's machines)."""
    data = brainport.model_dump(mode="json")
    original = next(c for c in data["companies"] if c["id"] == "rijnmond-coat")
    data["companies"].append({**original, "id": "tweede-coat", "name": "Tweede Coating B.V.", "kvk": "99120499",
                              "vat_id": "NL899120499B01", "hub_id": "hub-brainport",
                              "address": {**original["address"], "city": "Helmond", "postal_code": "5700 AA",
                                          "latitude": 51.4793, "longitude": 5.6570}})
    data["companies"] = [{k: v for k, v in c.items() if k != "peppol_id"} for c in data["companies"]]
    for machine in [m for m in data["machines"] if m["company_id"] == "rijnmond-coat"]:
        data["machines"].append({**machine, "id": "tc-" + machine["id"], "company_id": "tweede-coat"})
    return RegionalNetwork.model_validate(data)
