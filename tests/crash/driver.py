"""Run the `saptah` CLI with a stop point: at the Nth call of a function it says PAUSED and waits to be killed.

    python -m tests.crash.driver [--set module:NAME=int]... --pause module:Attr.path:N -- CLI ARGS...

The test reads PAUSED from stdout and sends SIGKILL, so the process dies at a known point in the middle of its
work (after the Nth call returned: its writes flushed, its transaction not yet committed), as a crash would.
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading
from typing import Any


def _resolve(spec: str) -> tuple[Any, str]:
    module_name, path = spec.split(":", 1)
    owner: Any = importlib.import_module(module_name)
    *parents, attr = path.split(".")
    for name in parents:
        owner = getattr(owner, name)
    return owner, attr


def _pause_at(spec: str) -> None:
    target, count = spec.rsplit(":", 1)
    owner, attr = _resolve(target)
    original = getattr(owner, attr)
    calls = {"n": 0}
    lock = threading.Lock()

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        with lock:
            calls["n"] += 1
            hit = calls["n"] == int(count)
        if hit:
            sys.stdout.write("PAUSED\n")
            sys.stdout.flush()
            threading.Event().wait()  # until SIGKILL
        return result

    setattr(owner, attr, wrapper)


def main(argv: list[str]) -> None:
    """Apply the settings and the stop point, then run the CLI with the rest of the arguments."""
    split = argv.index("--")
    options, cli_args = argv[:split], argv[split + 1 :]
    pauses = []
    while options:
        flag, value = options[0], options[1]
        options = options[2:]
        if flag == "--set":
            target, raw = value.split("=", 1)
            owner, attr = _resolve(target)
            setattr(owner, attr, int(raw))
        elif flag == "--pause":
            pauses.append(value)
    for spec in pauses:
        _pause_at(spec)
    from saptah import cli

    sys.argv = ["saptah", *cli_args]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
