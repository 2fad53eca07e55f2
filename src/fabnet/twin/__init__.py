"""The SimPy digital twin of a factory and the machine-signal simulator (pure: no I/O)."""
