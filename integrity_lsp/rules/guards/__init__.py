"""IL201–IL205: writes the database may refuse, and the write sites and helpers they share."""
