"""Run the Schemathesis command line with one work-around for a CPython 3.11 bug.

Hypothesis names every ``filter(lambda …)`` it builds by parsing the lambda's source file with
``ast.parse``. On CPython 3.11 that parse can fail with ``SystemError: AST constructor
recursion depth mismatch`` when it happens deep in a recursion (a CPython bug, fixed in
3.12); Schemathesis then reports the operation as a "Runtime Error" without testing it. The
name is only used in reprs, so when that one error happens we give the lambda a generic
name instead. Nothing else of Schemathesis or Hypothesis changes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from hypothesis.internal import lambda_sources

_describe: Callable[..., str] = lambda_sources._lambda_description


def _describe_or_generic(f: Any, *args: Any, **kwargs: Any) -> str:
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <source not parsed>"


lambda_sources._lambda_description = _describe_or_generic  # type: ignore[assignment]

from schemathesis.cli import schemathesis  # noqa: E402

if __name__ == "__main__":
    sys.exit(schemathesis())
