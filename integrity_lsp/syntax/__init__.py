"""The bottom layer: parsing, source files, node helpers and the one reader of project files."""
