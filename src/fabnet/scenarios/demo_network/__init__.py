"""The network demo: the hub and one node per company as separate processes, the scenario end to end between them."""
