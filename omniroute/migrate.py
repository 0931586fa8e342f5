"""``python -m omniroute.migrate <original data dir | storage.sqlite | archive | json>``

The command's name, for operators coming from the original OmniRoute; the
migration itself belongs to admin (``services.admin.original_import``), which
owns the database it writes.
"""

from __future__ import annotations

import sys

from services.admin.original_import.cli import main

if __name__ == "__main__":
    sys.exit(main())
