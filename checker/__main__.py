"""`python -m checker ...` runs the capcheck command line (see checker/cli)."""

import sys

from checker.cli.app import main

sys.exit(main())
