"""IL101–IL104: races between a check and a write, and the shapes, reports and fixes they share."""
