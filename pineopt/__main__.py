"""``python -m pineopt`` runs the command line."""

from pineopt.cli import main

raise SystemExit(main())
