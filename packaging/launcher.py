"""The standalone app's entry (packaging/overlap.spec): ``desktop.launcher``, as a script."""

from __future__ import annotations

import multiprocessing
import sys

from desktop.launcher import main

if __name__ == "__main__":
    # The frozen app's worker process starts this same executable; this hands it to
    # multiprocessing instead of opening the app again. A no-op everywhere else.
    multiprocessing.freeze_support()
    sys.exit(main())
