"""Static analysis of one file: parse, walk with immutable context, ORM shapes, edits."""
