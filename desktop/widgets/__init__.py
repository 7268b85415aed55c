"""Widgets the pages share: the step help panel, tables, pictures and charts."""
