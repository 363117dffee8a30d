"""Bluewatch's tests: unit/, api/, e2e/ and the whole-process tests beside them."""

import sys
from pathlib import Path

# The package beside these tests comes first: under `make mutation` that is mutmut's
# mutated copy (mutants/backend), which must shadow the installed checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))
