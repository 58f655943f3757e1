"""`python -m console` runs the lambda-console command."""

import sys

from console.cli import main

sys.exit(main())
