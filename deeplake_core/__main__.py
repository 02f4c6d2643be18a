"""``python -m deeplake_core``: the ``deeplake-core`` command."""

import sys

from deeplake_core.cli import main

sys.exit(main())
