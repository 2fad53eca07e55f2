"""fabnet: open software for a flexible, zero-defect, digitally integrated production network."""

__version__ = "0.1.0"
