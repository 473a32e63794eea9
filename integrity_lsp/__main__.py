"""`python -m integrity_lsp`: the same as the `integrity-lsp` command."""

from __future__ import annotations

import sys

from integrity_lsp.cli import main

if __name__ == "__main__":
    sys.exit(main())
