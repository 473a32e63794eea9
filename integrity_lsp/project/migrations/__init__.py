"""The project's migrations read statically: `reader` (a file's Migration class and its
operations), `graph` (the order Django applies them in), `state` (the app state a replay of
them gives), `columns` (what a new column holds in existing rows), `history` (every app's
migrations, kept current, and the context of one file), `drift` (where models.py and that state
disagree)."""
