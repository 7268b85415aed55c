"""The only place the desktop calls the engine: one module per page, like Anki's aqt/operations.

``core`` is the machinery (``Operations``, ``JobContext``, ``in_worker_process``): every job runs
on one database worker thread, the heavy ones in the worker process. Each page has its jobs in
the module named as the page (``desktop.pages.plans`` calls ``desktop.operations.plans``);
``workspace`` serves the main window and the welcome page, ``summary`` the sidebar's states.
A job is a top-level function taking a ``JobContext`` first; its arguments and result are plain
data. Pages, widgets and models never import ``engine`` themselves.

Nothing is imported here, so a page (or the worker process, which finds a job by its module's
path) loads only the machinery and the module it needs.
"""
