"""The connector's pure core: DSP 2025-1 messages and state machines, ODRL, JOSE crypto, outbox, audit."""
