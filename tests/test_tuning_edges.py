"""grid_edges: chosen parameters at the lowest or highest value of their grid."""
from lastfm_recs.tuning_edges import grid_edges


def test_flags_the_lowest_and_highest_values_only():
    grid = {"l2": [30.0, 100.0, 300.0], "factors": [64, 128], "weighting": ["binary", "log"]}
    assert grid_edges(grid, {"l2": 100.0, "factors": 64, "weighting": "log"}) == [
        "factors=64 at the lowest of [64, 128]"]
    assert grid_edges(grid, {"l2": 300.0, "factors": 128, "weighting": "binary"}) == [
        "l2=300 at the highest of [30, 100, 300]", "factors=128 at the highest of [64, 128]"]


def test_fixed_parameters_and_other_grids_are_not_edges():
    grids = [
        {"artists": [5000], "l2": [200.0, 500.0, 1000.0]},
        {"artists": [2000, 10000], "l2": [500.0]},
    ]
    # l2 = 500 is inside the first grid; artists 5000 is fixed there
    assert grid_edges(grids, {"artists": 5000, "l2": 500.0}) == []
    assert grid_edges(grids, {"artists": 10000, "l2": 500.0}) == ["artists=10000 at the highest of [2000, 10000]"]
    # a trial in two grids is at an edge only when it is in both
    both = [{"x": [1, 2, 3]}, {"x": [3, 4]}]
    assert grid_edges(both, {"x": 3}) == []
    assert grid_edges(both, {"x": 4}) == ["x=4 at the highest of [3, 4]"]
    assert grid_edges({"weights": [{"a": 1.0}, {"a": 2.0}]}, {"weights": {"a": 2.0}}) == []
    assert grid_edges({}, {"l2": 1.0}) == []
