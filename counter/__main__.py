"""`python -m counter --server URL [--office OFFICE] [--counter ID] [--language nl|fr|en]`: the clerk terminal,
as `loket counter` runs it."""

from __future__ import annotations

import argparse
import os
import sys

from counter.cli import CounterProblem, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counter", description="The clerk terminal.")
    parser.add_argument("--server", required=True, help="The Loket server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--office", help="The office, for accounts not bound to one (admins)")
    parser.add_argument("--counter", type=int, help="Preselect this counter (its id)")
    parser.add_argument("--language", help="nl, fr or en (remembered for the clerk once logged in)")
    options = parser.parse_args(argv)
    try:
        run(options.server, options.office, options.counter, options.language, os.environ)
    except CounterProblem as exc:
        print(f"loket: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
