"""Overlap's desktop application: a guided five-step workflow over the engine, in PySide6."""
