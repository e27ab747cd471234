"""``python -m melforge``: the same as the ``melforge`` command."""

from melforge.cli.main import run

if __name__ == "__main__":
    run()
