"""`python -m xxgk.cli`, the same as the `xxgk` script."""
import sys

from . import main

sys.exit(main())
