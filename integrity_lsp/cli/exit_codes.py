"""Exit codes, as ruff's: 0 clean, 1 findings, 2 usage error or a run that could not finish."""

from __future__ import annotations

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A command line that asks for something impossible (an unknown rule code, a malformed
    `--tcp`): reported with the usage line, exit 2."""
