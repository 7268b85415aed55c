"""``python -m engine``: the same as the ``overlap`` command (and the frozen app's entry)."""

import sys

from engine.cli import main

if __name__ == "__main__":
    sys.exit(main())
