"""Command-line interface: ``motionlgd generate|demo|render|export|import|eval|train|info``.

Errors raised on purpose by the library (``MotionLGDError``: bad input, missing files,
a device this machine lacks) are printed as one line and exit with status 2; anything
else is an internal error (exit 1). ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import logging
import sys

from ..errors import MotionLGDError
from .commands import cmd_batch, cmd_eval, cmd_info, cmd_studio, cmd_train
from .generate import run_generation, scene_from_scenario
from .media import cmd_export, cmd_import, cmd_render
from .parser import DEMOS, build_parser, scenarios_dir

__all__ = ["DEMOS", "build_parser", "main", "scenarios_dir", "scene_from_scenario"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``motionlgd`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        if args.command == "generate":
            return run_generation(args.scenario, args)
        if args.command == "demo":
            return run_generation(scenarios_dir() / DEMOS[args.name], args)
        commands = {
            "render": cmd_render,
            "train": cmd_train,
            "info": cmd_info,
            "eval": cmd_eval,
            "export": cmd_export,
            "import": cmd_import,
            "studio": cmd_studio,
            "batch": cmd_batch,
        }
        if args.command in commands:
            return commands[args.command](args)
    except MotionLGDError as exc:
        if args.debug:
            raise
        print(f"motionlgd: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("motionlgd: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"motionlgd: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
