"""lastfm_recs.blocks: the block maps against plain loops."""
from __future__ import annotations

from lastfm_recs.blocks import iter_blocks, map_blocks


def test_iter_blocks_yields_in_block_order_computing_only_a_few_ahead():
    started = []

    def work(start, end):
        started.append(start)
        return list(range(start, end))

    blocks = [(i, i + 3) for i in range(0, 30, 3)]
    stream = iter_blocks(work, blocks, n_threads=2)
    assert next(stream) == [0, 1, 2]
    assert len(started) <= 1 + 2 * 2  # the first block and at most 2 x threads ahead
    assert [next(stream) for _ in range(9)] == [list(range(i, i + 3)) for i in range(3, 30, 3)]
    assert next(stream, None) is None
    assert map_blocks(work, blocks, n_threads=2) == [list(range(i, i + 3)) for i in range(0, 30, 3)]
