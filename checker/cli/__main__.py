"""`python -m checker.cli ...` runs the capcheck command line."""

import sys

from checker.cli.app import main

sys.exit(main())
