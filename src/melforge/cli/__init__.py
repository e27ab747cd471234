"""The ``melforge`` command line: ``melforge.cli.main:main`` is the entry point."""
