"""Explain an IntegrityError: parse the pasted text, find the model, constraint and writes."""

from __future__ import annotations
