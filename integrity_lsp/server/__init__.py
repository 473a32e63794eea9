"""The language server: a thin translation layer between LSP and the checker."""
