"""The read API (lastfm_recs.api) over hand-made serving files published with
lastfm_recs.serving.publish: every endpoint and error against hand-computed
answers, a republication noticed without a restart (TestClient), and one
real uvicorn on 127.0.0.1 answering throughout republications."""
from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from lastfm_recs.api import FastUserLookups, ServingFile, create_app
from lastfm_recs.serving import publish

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"
D = "dddddddd-0000-4000-8000-000000000004"
E = "eeeeeeee-0000-4000-8000-000000000005"  # in artists, without similar artists
UNKNOWN = "ffffffff-0000-4000-8000-000000000006"
U1, U2, NOBODY = "1" * 40, "2" * 40, "3" * 40
NAMES = {A: "Руки Вверх", B: 'the "b" band', C: "c", D: "d", E: "e"}


def publish_file(path: Path, *, model: str = "ease", first_score: float = 0.75) -> None:
    """A serving file with U1 (2 recommendations, reasons on the first), U2
    (1, no reasons), similar artists of A, and artist weights A -> B 0.5,
    A -> C 0.2, B -> C 0.3, B -> D 0.1."""
    con = duckdb.connect()
    con.execute("create table artists (artist_mbid varchar, artist_name varchar, listeners integer)")
    con.executemany("insert into artists values (?, ?, 10)", list(NAMES.items()))
    con.execute("create table recommendations (user_id varchar, rank integer, artist_mbid varchar, "
                "artist_name varchar, score double)")
    con.executemany("insert into recommendations values (?, ?, ?, ?, ?)", [
        [U1, 1, B, NAMES[B], first_score], [U1, 2, C, NAMES[C], 0.25], [U2, 1, A, NAMES[A], 3.0]])
    con.execute("create table recommendation_reasons (user_id varchar, rank integer, artist_mbid varchar, "
                "reason_rank bigint, reason_artist_mbid varchar, reason_artist_name varchar, "
                "contribution double, share double)")
    con.executemany("insert into recommendation_reasons values (?, ?, ?, ?, ?, ?, ?, ?)", [
        [U1, 1, B, 2, D, NAMES[D], 0.25, 0.3125], [U1, 1, B, 1, A, NAMES[A], 0.5, 0.625]])
    con.execute("create table similar_artists (artist_mbid varchar, rank bigint, similar_artist_mbid varchar, "
                "similar_artist_name varchar, score double)")
    con.executemany("insert into similar_artists values (?, ?, ?, ?, ?)", [
        [A, 1, B, NAMES[B], 0.5], [A, 2, C, NAMES[C], 0.2]])
    con.execute("create table artist_weights (artist_mbid varchar, rank integer, neighbour_mbid varchar, "
                "neighbour_name varchar, weight double, model varchar)")
    con.executemany("insert into artist_weights values (?, ?, ?, ?, ?, ?)", [
        [A, 1, B, NAMES[B], 0.5, model], [A, 2, C, NAMES[C], 0.2, model],
        [B, 1, C, NAMES[C], 0.3, model], [B, 2, D, NAMES[D], 0.1, model]])
    con.execute("create table model_info as select ? as model, '{}' as model_params, ? as weights_model",
                [model, "item_knn" if model == "user_knn" else model])
    tables = ["artists", "recommendations", "recommendation_reasons", "similar_artists", "artist_weights",
              "model_info"]
    publish(con, {name: f"select * from memory.main.{name}" for name in tables}, path)
    con.close()


@pytest.fixture()
def serving(tmp_path):
    path = tmp_path / "serving.duckdb"
    publish_file(path)
    return path


@pytest.fixture()
def client(serving):
    app = create_app(serving)
    yield TestClient(app)
    app.state.serving.close()


U1_ITEMS = [
    {"rank": 1, "artist_mbid": B, "artist_name": NAMES[B], "score": 0.75, "reasons": [
        {"artist_mbid": A, "artist_name": NAMES[A], "share": 0.625},
        {"artist_mbid": D, "artist_name": NAMES[D], "share": 0.3125}]},
    {"rank": 2, "artist_mbid": C, "artist_name": NAMES[C], "score": 0.25, "reasons": []},
]


def test_health_reports_the_publication(client, serving):
    body = client.get("/health").json()
    with duckdb.connect(str(serving), read_only=True) as con:
        published = con.execute("select max(published_at_utc) from publication_info").fetchall()[0][0]
    assert body["status"] == "ok" and body["model"] == "ease"
    assert body["published_at"] == published.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["rows"]["recommendations"] == 3 and body["rows"]["artist_weights"] == 4


def test_user_recommendations_with_reasons(client):
    response = client.get(f"/users/{U1}/recommendations")
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == U1 and body["model"] == "ease" and body["published_at"]
    assert body["items"] == U1_ITEMS
    assert client.get(f"/users/{U1}/recommendations?limit=1").json()["items"] == U1_ITEMS[:1]
    assert client.get(f"/users/{U2}/recommendations").json()["items"] == [
        {"rank": 1, "artist_mbid": A, "artist_name": NAMES[A], "score": 3.0, "reasons": []}]


def test_user_errors(client):
    missing = client.get(f"/users/{NOBODY}/recommendations")
    assert missing.status_code == 404 and NOBODY in missing.json()["detail"]
    for bad in ("xyz", "A" * 40, "1" * 39, "1" * 41):
        assert client.get(f"/users/{bad}/recommendations").status_code == 422, bad
    for limit in ("0", "101", "ten"):
        assert client.get(f"/users/{U1}/recommendations?limit={limit}").status_code == 422, limit


def test_similar_artists(client):
    assert client.get(f"/artists/{A}/similar").json() == {"artist_mbid": A, "items": [
        {"rank": 1, "artist_mbid": B, "artist_name": NAMES[B], "score": 0.5},
        {"rank": 2, "artist_mbid": C, "artist_name": NAMES[C], "score": 0.2}]}
    assert len(client.get(f"/artists/{A}/similar?limit=1").json()["items"]) == 1
    assert client.get(f"/artists/{E}/similar").json() == {"artist_mbid": E, "items": []}
    assert client.get(f"/artists/{UNKNOWN}/similar").status_code == 404
    assert client.get("/artists/not-an-mbid/similar").status_code == 422
    assert client.get(f"/artists/{A}/similar?limit=0").status_code == 422


def test_new_listener_is_folded_in_from_the_weights(client):
    # picks A and B: C = 0.2 (from A) + 0.3 (from B) = 0.5, D = 0.1 (from B); B is picked, so not listed
    body = client.post("/recommendations", json={"artists": [A, B, UNKNOWN], "limit": 5}).json()
    assert body["model"] == "ease" and body["unknown_artists"] == [UNKNOWN]
    assert [(item["artist_mbid"], item["rank"]) for item in body["items"]] == [(C, 1), (D, 2)]
    assert body["items"][0]["score"] == pytest.approx(0.5)
    assert [(r["artist_mbid"], r["share"]) for r in body["items"][0]["reasons"]] == [
        (B, pytest.approx(0.6)), (A, pytest.approx(0.4))]
    assert body["items"][1]["reasons"] == [{"artist_mbid": B, "artist_name": NAMES[B], "share": pytest.approx(1.0)}]
    one = client.post("/recommendations", json={"artists": [A], "limit": 1}).json()
    assert [item["artist_mbid"] for item in one["items"]] == [B]


def test_new_listener_errors(client, tmp_path):
    assert client.post("/recommendations", json={"artists": ["nope"]}).status_code == 422
    assert client.post("/recommendations", json={"artists": []}).status_code == 422
    assert client.post("/recommendations", json={"artists": [A], "limit": 0}).status_code == 422
    assert client.post("/recommendations", json={}).status_code == 422
    other = tmp_path / "knn.duckdb"
    publish_file(other, model="user_knn")
    app = create_app(other)
    refused = TestClient(app).post("/recommendations", json={"artists": [A]})
    app.state.serving.close()
    assert refused.status_code == 409 and "user_knn" in refused.json()["detail"]


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/health", "/users/{user_id}/recommendations", "/artists/{artist_mbid}/similar",
                          "/recommendations"}


def test_a_new_publication_is_served_without_restart(client, serving):
    before = client.get("/health").json()["published_at"]
    time.sleep(1.1)  # published_at has whole seconds
    publish_file(serving, first_score=0.9)
    # the first request after it notices the new file and loads it while the old one answers
    assert client.get(f"/users/{U1}/recommendations").json()["items"][0]["score"] in (0.75, 0.9)
    client.app.state.serving.wait_loaded()
    assert client.get(f"/users/{U1}/recommendations").json()["items"][0]["score"] == 0.9
    assert client.get("/health").json()["published_at"] > before


def test_lookups_without_the_index_give_the_same_answers(serving):
    indexed, plain = create_app(serving), create_app(serving, index_lists=False)
    for path in (f"/users/{U1}/recommendations", f"/users/{U1}/recommendations?limit=1",
                 f"/users/{U2}/recommendations", f"/users/{NOBODY}/recommendations"):
        first, second = TestClient(indexed).get(path), TestClient(plain).get(path)
        assert (first.status_code, first.json()) == (second.status_code, second.json()), path
    assert plain.state.serving._current.lists is None



def test_fast_lookups_answer_exactly_as_the_route(serving):
    """FastUserLookups (on by default) against the FastAPI route alone: same
    status, content type and bytes for lists, limits, unknown users and
    every malformed request (which the middleware passes on)."""
    fast, routed = create_app(serving), create_app(serving, fast_lookups=False)
    paths = [f"/users/{U1}/recommendations", f"/users/{U1}/recommendations?limit=1",
             f"/users/{U1}/recommendations?limit=100", f"/users/{U2}/recommendations?limit=020",
             f"/users/{NOBODY}/recommendations", f"/users/{U1}/recommendations?limit=0",
             f"/users/{U1}/recommendations?limit=101", f"/users/{U1}/recommendations?limit=1000",
             f"/users/{U1}/recommendations?limit=ten", f"/users/{U1}/recommendations?limit=1&x=2",
             f"/users/{U1.upper()}/recommendations", f"/users/{U1}/recommendations/", "/health"]
    with TestClient(fast) as fast_client, TestClient(routed) as routed_client:
        fast_client.get("/health")  # opens the publication: the fast path serves only an open one
        routed_client.get("/health")
        for path in paths:
            first, second = fast_client.get(path), routed_client.get(path)
            assert (first.status_code, first.headers["content-type"], first.content) == \
                (second.status_code, second.headers["content-type"], second.content), path
    fast.state.serving.close()
    routed.state.serving.close()


def test_fast_lookups_answer_themselves_only_what_the_route_would_accept(serving):
    """The middleware alone, before an app that records what reaches it."""
    passed_on = []

    async def app(scope, receive, send):
        passed_on.append((scope["method"], scope["path"], scope["query_string"]))

    async def call(middleware, method, path, query=b""):
        sent = []

        async def send(message):
            sent.append(message)

        await middleware({"type": "http", "method": method, "path": path, "query_string": query}, None, send)
        return sent

    files = ServingFile(serving)
    middleware = FastUserLookups(app, files)
    assert asyncio.run(call(middleware, "GET", f"/users/{U1}/recommendations")) == []  # nothing open yet
    with files.publication():
        pass
    sent = asyncio.run(call(middleware, "GET", f"/users/{U1}/recommendations", b"limit=1"))
    assert sent[0]["status"] == 200 and (b"content-type", b"application/json") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["items"] == U1_ITEMS[:1]
    assert int(dict(sent[0]["headers"])[b"content-length"]) == len(sent[1]["body"])
    assert asyncio.run(call(middleware, "GET", f"/users/{NOBODY}/recommendations"))[0]["status"] == 404
    for method, path, query in [("POST", f"/users/{U1}/recommendations", b""),
                                ("GET", f"/users/{U1}/recommendations", b"limit=0"),
                                ("GET", f"/users/{U1}/recommendations", b"limit=101"),
                                ("GET", f"/users/{U1}/recommendations", b"limit=1&limit=2"),
                                ("GET", "/users/xyz/recommendations", b""), ("GET", "/health", b"")]:
        assert asyncio.run(call(middleware, method, path, query)) == []
        assert passed_on[-1] == (method, path, query)
    files.close()

def test_a_missing_serving_file_is_503(tmp_path):
    app = create_app(tmp_path / "none.duckdb")
    response = TestClient(app).get("/health")
    assert response.status_code == 503 and "none.duckdb" in response.json()["detail"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_real_uvicorn_answers_throughout_republications(serving):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "lastfm_recs.api", "--serving-db", str(serving),
                               "--host", "127.0.0.1", "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not start")
        results: list[tuple[int, float | None]] = []
        stop = threading.Event()

        def ask() -> None:
            with httpx.Client(base_url=base, timeout=10) as http:
                while not stop.is_set():
                    response = http.get(f"/users/{U1}/recommendations")
                    score = response.json()["items"][0]["score"] if response.status_code == 200 else None
                    results.append((response.status_code, score))

        askers = [threading.Thread(target=ask) for _ in range(4)]
        for asker in askers:
            asker.start()
        scores = [0.75]
        for round_ in range(1, 6):
            time.sleep(0.3)
            scores.append(round_ / 10)
            publish_file(serving, first_score=scores[-1])
        time.sleep(0.3)
        stop.set()
        for asker in askers:
            asker.join()
        assert len(results) > 20
        assert {status for status, _ in results} == {200}  # no request failed during the republications
        assert {score for _, score in results} <= set(scores)
        for _ in range(100):  # the last publication is loaded in the background after the first request
            if httpx.get(f"{base}/users/{U1}/recommendations").json()["items"][0]["score"] == scores[-1]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the last publication was not served")
    finally:
        server.terminate()
        server.wait(timeout=10)
