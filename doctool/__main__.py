import sys

from doctool.cli import main

sys.exit(main())
