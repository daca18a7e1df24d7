"""Unified Order API: one request creates a released Xentral sales order."""

__version__ = "0.1.0"
