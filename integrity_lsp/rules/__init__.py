"""Rules: one module per rule, registering itself on import; its docstring is its documentation."""
