"""Quality: SPC charts and run rules, capability, multivariate and anomaly detection, stream monitor, genealogy."""
