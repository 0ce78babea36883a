"""`python -m bot`: the same as the `backend-bot` command."""

import sys

from .cli import main

sys.exit(main())
