"""Reference regional networks (companies, machines, designs, orders) shipped as validated JSON."""

from fabnet.scenarios.loader import available, load_scenario

__all__ = ["available", "load_scenario"]
