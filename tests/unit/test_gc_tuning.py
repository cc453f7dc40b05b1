"""Start-up's objects are frozen out of the cyclic collector's full collections."""

from __future__ import annotations

import subprocess
import sys

FREEZE = """
import gc
from vinbot.bootstrap import build_core
from vinbot.gc_tuning import freeze_start_up_objects

frozen = freeze_start_up_objects()
print(frozen > 10_000, len(gc.get_objects(generation=2)) < 1_000)
"""


def test_freezing_moves_every_start_up_object_out_of_the_collectors_reach() -> None:
    """After the freeze, the objects start-up made (many thousands) are in the permanent
    generation: the oldest generation, which a full collection walks, is left nearly empty."""
    done = subprocess.run(
        [sys.executable, "-c", FREEZE], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["True", "True"]
