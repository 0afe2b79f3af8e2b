"""The hutch command the tests run: the one users run.

install.sh puts a lean ``python -S`` launcher next to the venv's python
(pip's console script where it did not).  Tests run that, not
``python -m hutch.cli.main``: runpy and site import modules (warnings,
importlib.util...) that hutch's own start path does not, and a container
process that needs one of them after pivot_root would fail for users only.
"""

import os
import sys

_LAUNCHER = os.path.join(os.path.dirname(sys.executable), "hutch")

if os.path.isfile(_LAUNCHER) and os.access(_LAUNCHER, os.X_OK):
    HUTCH = [_LAUNCHER]
else:
    HUTCH = [sys.executable, "-m", "hutch.cli.main"]
