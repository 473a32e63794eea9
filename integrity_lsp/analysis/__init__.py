"""The walk over one file with its immutable context, the rule registry, ORM call shapes, edits."""
