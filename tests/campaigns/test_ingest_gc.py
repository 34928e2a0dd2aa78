"""Ingest runs the garbage collector rarely, and gives the process its settings back however it ends."""

from __future__ import annotations

import gc

import pytest

from saptah.core.bulk import fewer_gc_passes


def test_thresholds_are_raised_inside_and_restored_after_nesting_and_errors():
    before = gc.get_threshold()
    with fewer_gc_passes():
        assert gc.get_threshold()[0] > before[0]
        with fewer_gc_passes():
            pass
        assert gc.get_threshold()[0] > before[0]  # the outer ingest is still running
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_gc_passes():
        raise RuntimeError("ingest failed")
    assert gc.get_threshold() == before
