import sys

from snigi.cli import main

sys.exit(main())
