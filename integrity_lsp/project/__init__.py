"""The cross-file model of the user's project, read statically (nothing is imported).

`index.ProjectIndex` (files -> modules -> apps -> models, incremental; the package splits it into
its file table, linker, inheritance and schema), `resolve.Resolver` (call-site names -> models,
with `values`, `bindings` and `jedi_fallback`), `models` and `meta` (parso trees -> records, and
`field_from_call`), `apps` (app labels, module names), `settings_reader` (AUTH_USER_MODEL,
ATOMIC_REQUESTS, INSTALLED_APPS), `migrations/` (reader, graph, state replay, history, drift),
`builtin` (Django's own models), `records` (the frozen records everyone shares), `db_names` (the
constraint names databases generate).
"""
