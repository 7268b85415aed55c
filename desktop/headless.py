"""Answers for the app's questions when a script drives the window (screenshots, benchmarks).

``silence_dialogs()`` makes every modal question of ``desktop.dialogs`` print to stderr and
return "no answer" instead of waiting for a click that will never come.
"""

from __future__ import annotations

import sys
from typing import Any

from desktop import dialogs


def silence_dialogs() -> list[str]:
    """Route dialogs to stderr; returns the list the messages are collected in."""
    seen: list[str] = []

    def say(kind: str) -> Any:
        def answer(_parent: Any, title: str, *args: Any, **_kwargs: Any) -> Any:
            text = f"{kind}: {title}: {args[0] if args else ''}"
            seen.append(text)
            print(text, file=sys.stderr)
            return {"confirm": False}.get(kind, "" if kind in ("open", "save") else None)

        return answer

    for name, kind in (
        ("choose_open_file", "open"),
        ("choose_save_file", "save"),
        ("ask_text", "text"),
        ("ask_secret", "secret"),
        ("ask_deal", "deal"),
        ("confirm", "confirm"),
        ("show_error", "error"),
        ("show_info", "info"),
        ("show_saved", "saved"),
        ("show_about", "about"),
        ("show_crash", "crash"),
    ):
        setattr(dialogs, name, say(kind))
    return seen
