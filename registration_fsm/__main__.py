"""``python -m registration_fsm``: the same command line as ``registration-fsm``."""

from .cli import main

raise SystemExit(main())
