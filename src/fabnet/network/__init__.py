"""The regional network: hub trust (trust.py), capability catalog (catalog.py), marketplace (allocation.py),
programme view (programme.py) and network KPIs (kpis.py). Import from the modules: the package stays light so
that the trust anchor does not load the solver."""
