"""Migration from the original OmniRoute (TypeScript) into this gateway.

Reads what the original left behind (its data dir, its ``storage.sqlite``,
its ``/api/db-backups/exportAll`` archive or its ``/api/settings/export-json``
document), maps each kind of row onto ours and writes it:

* ``reading``: the original's files into ``records`` (one shape whatever the
  source), its sealed credentials opened by ``decryption``;
* ``providers``, ``access``, ``routing``, ``settings_map``, ``usage``: one
  pure mapping per kind into a ``plan.Plan``, with every row that does not
  map reported with its reason in a ``report.Report``;
* ``writer``: the plan into the admin database, comparing before writing so
  a second run changes nothing;
* ``runner``: the whole migration, used by ``python -m omniroute.migrate``
  (``cli``) and by ``POST /api/db-backups/import``.
"""
