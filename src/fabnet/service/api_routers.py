"""Every router of the node's JSON API (`/api/v1/...`) and its AAS Part 2 endpoints, for node_app to include."""

from fabnet.service import (
    api_aas,
    api_catalogue,
    api_company,
    api_contracts,
    api_invoices,
    api_network,
    api_orders,
    api_parts,
    api_quality,
    api_schedule,
)

API_MODULES = (api_company, api_catalogue, api_orders, api_schedule, api_quality, api_parts, api_contracts,
               api_invoices, api_network, api_aas)
