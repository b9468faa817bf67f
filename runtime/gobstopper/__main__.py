"""``python -m gobstopper``: the same as the ``gobstopper`` command."""

import sys

from .cli import main

sys.exit(main())
