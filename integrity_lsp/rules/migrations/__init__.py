"""IL301–IL304: migrations that fail over existing rows or drift from the models; their fixes."""
