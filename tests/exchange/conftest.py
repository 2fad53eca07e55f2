"""Fixtures of the connector tests: a hub and two nodes as real processes (see `dsp_support`)."""

from exchange.dsp_support import network

__all__ = ["network"]
