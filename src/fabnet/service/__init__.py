"""FastAPI apps of the node and the hub: app factories with one router module per concern."""
