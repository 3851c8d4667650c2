"""``python -m tracker`` runs the same command as ``tracker``."""

from tracker.cli import main

raise SystemExit(main())
