"""Overlap's engine: the five steps of account mapping, the workspace and sharing, without Qt.

The public API is ``engine.facade``: the CLI and the desktop use only what its ``__all__``
names, as ``from engine import x``. It loads on the first such use, not on ``import engine``,
so what needs none of it (the window before a workspace opens, ``overlap --help``) starts
without pandas and SQLAlchemy. Add a public name to engine/facade.py, not here.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.facade import *  # noqa: F403
    from engine.facade import __all__ as __all__
else:

    def __getattr__(name):
        """Load the facade on first use and keep its names here, so later look-ups are plain."""
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)
        import importlib

        facade = importlib.import_module("engine.facade")
        names = {key: getattr(facade, key) for key in facade.__all__}
        globals().update(names, __all__=facade.__all__)
        if name not in names and name != "__all__":
            raise AttributeError(f"module 'engine' has no attribute {name!r}")
        return globals()[name]

    def __dir__():
        return sorted({*globals(), *__getattr__("__all__")})
