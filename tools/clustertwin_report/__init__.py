"""clustertwin-report: figures and HTML from clustertwin HDF5 output (see docs/output.md)."""
__version__ = "0.1.0"
