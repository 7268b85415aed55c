"""``python -m engine``: the same as the ``overlap`` command."""

import multiprocessing
import sys

from engine.cli import main

if __name__ == "__main__":
    # In a frozen build, the desktop's worker process starts this same executable; this hands
    # it to multiprocessing instead of running the app again. A no-op everywhere else.
    multiprocessing.freeze_support()
    sys.exit(main())
