"""Start the integrity-lsp server bundled with the VS Code extension.

The extension runs `<the user's python> bundled/tool/server.py serve`: this puts bundled/libs
(integrity_lsp and its pure-Python dependencies, built by scripts/bundle.py) first on sys.path
and runs `python -m integrity_lsp serve` in this interpreter. Standard library only; the
project's own site-packages stay on sys.path after the bundled libraries (the convention of
microsoft/vscode-python-tools-extension-template for `importStrategy: useBundled`).

Kept parseable by old Pythons (no f-strings, no annotations) so that one says clearly that it is
too old instead of failing with a SyntaxError.
"""
# ruff: noqa: UP031, RUF005

import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = os.path.join(os.path.dirname(HERE), "libs")
MODULE = "integrity_lsp"
MIN_PYTHON = (3, 10)


def main():  # type: () -> int
    if sys.version_info < MIN_PYTHON:
        sys.stderr.write(
            "integrity-lsp needs Python %d.%d or newer; %s is Python %s\n"
            % (MIN_PYTHON + (sys.executable, sys.version.split()[0]))
        )
        return 2
    if not os.path.isfile(os.path.join(LIBS, MODULE, "__init__.py")):
        sys.stderr.write("integrity-lsp: the bundled server is missing from %s\n" % LIBS)
        return 2
    # sys.path[0] is this folder (nothing to import here): replace it with the bundled libs.
    sys.path[:] = [LIBS] + [entry for entry in sys.path if entry not in (HERE, LIBS)]
    sys.argv = [MODULE] + sys.argv[1:]
    runpy.run_module(MODULE, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
