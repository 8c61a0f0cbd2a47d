"""make export (lastfm_recs.export): DynamoDB JSON read back with boto3's
TypeDeserializer, offline, and Parquet, against a hand-made serving file."""
from __future__ import annotations

import gzip
import json
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest
from boto3.dynamodb.types import TypeDeserializer

from lastfm_recs.export import ExportError, export

A = "aaaaaaaa-0000-0000-0000-000000000001"
B = "bbbbbbbb-0000-0000-0000-000000000002"
C = "cccccccc-0000-0000-0000-000000000003"
U1, U2 = "1" * 40, "2" * 40


@pytest.fixture()
def serving(tmp_path):
    path = tmp_path / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table recommendations (user_id varchar, rank integer, artist_mbid varchar, "
                    "artist_name varchar, score double)")
        con.execute("insert into recommendations values (?, ?, ?, ?, ?)", [U1, 1, B, 'the "b" band', 0.75])
        con.execute("insert into recommendations values (?, ?, ?, ?, ?)", [U1, 2, C, None, 0.25])
        con.execute("insert into recommendations values (?, ?, ?, ?, ?)", [U2, 1, A, "Руки Вверх", 3.0])
        con.execute("create table recommendation_reasons (user_id varchar, rank integer, artist_mbid varchar, "
                    "reason_rank bigint, reason_artist_mbid varchar, reason_artist_name varchar, "
                    "contribution double, share double)")
        con.execute("insert into recommendation_reasons values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [U1, 1, B, 2, C, None, 0.25, 0.3125])
        con.execute("insert into recommendation_reasons values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [U1, 1, B, 1, A, "Руки Вверх", 0.5, 0.625])
        con.execute("create table similar_artists (artist_mbid varchar, rank bigint, similar_artist_mbid varchar, "
                    "similar_artist_name varchar, score double)")
        con.execute("insert into similar_artists values (?, ?, ?, ?, ?)", [A, 2, C, None, 0.1])
        con.execute("insert into similar_artists values (?, ?, ?, ?, ?)", [A, 1, B, 'the "b" band', 0.2])
        con.execute("create table model_info (model varchar, model_params varchar, weights_model varchar)")
        con.execute("insert into model_info values ('ease', '{}', 'ease')")
        con.execute("create table publication_info (object_name varchar, published_at_utc timestamp)")
        con.execute("insert into publication_info values ('recommendations', '2026-12-03 10:11:12')")
    return path


def read_items(path):
    deserialize = TypeDeserializer().deserialize
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    assert all(set(row) == {"Item"} for row in rows)  # DynamoDB's import format: one {"Item": ...} per line
    return [{name: deserialize(value) for name, value in row["Item"].items()} for row in rows]


def test_dynamodb_json_reads_back_as_the_lists(serving, tmp_path):
    written = export(serving, tmp_path / "out")
    users = read_items(written["dynamodb_recommendations"])
    assert written["dynamodb_recommendations"] == tmp_path / "out/dynamodb/recommendations/part-0.json.gz"
    assert users == [
        {
            "user_id": U1, "model": "ease", "published_at": "2026-12-03T10:11:12Z",
            "artist_ids": [B, C],
            "items": [
                {"rank": Decimal(1), "artist_mbid": B, "artist_name": 'the "b" band', "score": Decimal("0.75"),
                 "reasons": [
                     {"artist_mbid": A, "artist_name": "Руки Вверх", "share": Decimal("0.625")},
                     {"artist_mbid": C, "artist_name": "", "share": Decimal("0.3125")},
                 ]},
                {"rank": Decimal(2), "artist_mbid": C, "artist_name": "", "score": Decimal("0.25"), "reasons": []},
            ],
        },
        {
            "user_id": U2, "model": "ease", "published_at": "2026-12-03T10:11:12Z", "artist_ids": [A],
            "items": [{"rank": Decimal(1), "artist_mbid": A, "artist_name": "Руки Вверх", "score": Decimal(3),
                       "reasons": []}],
        },
    ]
    artists = read_items(written["dynamodb_similar_artists"])
    assert artists == [{"artist_mbid": A, "items": [
        {"rank": Decimal(1), "artist_mbid": B, "artist_name": 'the "b" band', "score": Decimal("0.2")},
        {"rank": Decimal(2), "artist_mbid": C, "artist_name": "", "score": Decimal("0.1")},
    ]}]


def test_parquet_holds_the_same_lists(serving, tmp_path):
    written = export(serving, tmp_path / "out")
    rows = pq.read_table(written["parquet_recommendations"]).to_pylist()
    assert [row["user_id"] for row in rows] == [U1, U2]
    assert rows[0]["artist_ids"] == [B, C]
    assert [item["artist_name"] for item in rows[0]["items"]] == ['the "b" band', None]
    assert rows[0]["items"][0]["reasons"][0] == {"artist_mbid": A, "artist_name": "Руки Вверх", "share": 0.625}
    assert rows[0]["items"][1]["reasons"] == []
    similar = pq.read_table(written["parquet_similar_artists"]).to_pylist()
    assert [(item["rank"], item["artist_mbid"]) for item in similar[0]["items"]] == [(1, B), (2, C)]
    assert not list((tmp_path / "out").rglob("*.partial"))


def test_a_missing_or_old_serving_file_is_named(tmp_path, serving):
    with pytest.raises(ExportError, match="not found"):
        export(tmp_path / "nope.duckdb", tmp_path / "out")
    with duckdb.connect(str(serving)) as con:
        con.execute("drop table similar_artists")
    with pytest.raises(ExportError, match="similar_artists"):
        export(serving, tmp_path / "out")
