"""The ``healthcheck`` command (standard library only)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthcheck", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="start the demo app", description="Start the demo app.")
    demo.add_argument("--framework", choices=("flask", "tornado"), default="flask")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=5000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from . import demo
        from .exceptions import MissingDependencyError

        try:
            demo.serve(args.framework, args.host, args.port)
        except MissingDependencyError as exc:
            print(f"healthcheck: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 0
    return 0
