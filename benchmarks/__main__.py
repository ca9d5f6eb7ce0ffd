"""``python -m benchmarks``, which ``make bench`` runs."""

from __future__ import annotations

from .run import main

raise SystemExit(main())
