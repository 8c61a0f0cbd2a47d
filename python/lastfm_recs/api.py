"""The read API over the serving file (make serve): FastAPI + uvicorn.

    GET  /health                                  publication: published_at, model, rows
    GET  /users/{user_id}/recommendations?limit=N  the user's list with reasons (404 unknown, 422 malformed)
    GET  /artists/{artist_mbid}/similar?limit=N    "fans also like" (404 unknown, 422 malformed)
    POST /recommendations {"artists": [...], "limit": N}
                                                  a new listener folded in from the model's
                                                  artist weights (409 when the model has none)
    GET  /docs                                    the OpenAPI documentation

Connections: one DuckDB connection per publication (an in-memory database
that attaches the serving file read-only), reused by every request, with one cursor per worker thread
(a DuckDB connection must not be used by two threads at once). Each request
compares the file's identity (device, inode, mtime, size: os.stat, a few
microseconds) with that of the open publication; a new publication replaces
the file (os.replace, lastfm_recs.serving), so the identity changes, and the
first request to notice opens the new file and makes it current. Requests in
flight finish on the old connection, which still reads the old, complete file
(the old inode), and is closed when its last request is done. So a
republication needs no restart and fails no request.

User lookups: from the publication's UserLists (in memory), answered for a
well-formed request by the FastUserLookups middleware before FastAPI's
routing, with the route's own body (user_list_body).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import duckdb
import numpy as np
from fastapi import Body, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from lastfm_recs.serving import configured_serving_path

#: A user id: the dataset's sha1, 40 hex digits.
USER_ID_PATTERN = r"^[0-9a-f]{40}$"
#: An artist id: a MusicBrainz id (UUID, lowercase as in the dataset).
MBID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
#: Upper bound of ?limit= and of the artists a new listener may name.
MAX_LIMIT = 100
#: Items of a list when the request gives no limit.
DEFAULT_LIMIT = 20
MAX_ARTISTS = 100
#: Models whose artist weights are the model itself (lastfm_recs.item_weights): they fold in.
FOLD_IN_MODELS = ("ease", "item_knn")

USER_LIST_SQL = """
    select 0 as part, rank, 0 as reason_rank, artist_mbid, artist_name, score
    from recommendations
    where user_id = $user_id and rank <= $limit
    union all
    select 1 as part, rank, reason_rank, reason_artist_mbid, reason_artist_name, share
    from recommendation_reasons
    where user_id = $user_id and rank <= $limit
"""
SIMILAR_SQL = """
    select rank, similar_artist_mbid, similar_artist_name, score
    from similar_artists
    where artist_mbid = $artist
    order by rank
    limit $limit
"""
ARTIST_EXISTS_SQL = "select count(*) from artists where artist_mbid = $artist"
KNOWN_ARTISTS_SQL = "select artist_mbid, artist_name from artists where artist_mbid in (select unnest($artists))"
FOLD_IN_SQL = """
    select artist_mbid, neighbour_mbid, neighbour_name, weight
    from artist_weights
    where artist_mbid in (select unnest($artists))
"""


class Reason(BaseModel):
    """One of the listener's own artists behind a recommendation."""

    artist_mbid: str
    artist_name: str | None
    share: float = Field(description="The artist's share of the score, in (0, 1]; the shares sum to <= 1.")


class Item(BaseModel):
    """One recommended artist."""

    rank: int
    artist_mbid: str
    artist_name: str | None
    score: float
    reasons: list[Reason] = Field(description="Up to 3 of the listener's own artists behind the score.")


class UserList(BaseModel):
    """GET /users/{user_id}/recommendations."""

    user_id: str
    model: str | None
    published_at: str | None
    items: list[Item]


class SimilarItem(BaseModel):
    """One similar artist."""

    rank: int
    artist_mbid: str
    artist_name: str | None
    score: float


class SimilarList(BaseModel):
    """GET /artists/{artist_mbid}/similar."""

    artist_mbid: str
    items: list[SimilarItem]


class NewListener(BaseModel):
    """POST /recommendations: the artists a new listener picked."""

    artists: list[Annotated[str, Field(pattern=MBID_PATTERN)]] = Field(
        min_length=1, max_length=MAX_ARTISTS, description="MBIDs of the artists the new listener picked.")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class NewListenerList(BaseModel):
    """POST /recommendations: the new listener's list."""

    model: str | None
    published_at: str | None
    unknown_artists: list[str] = Field(description="Picked artists the publication does not know (ignored).")
    items: list[Item]


class Health(BaseModel):
    """GET /health: the publication being served."""

    status: str
    serving_db: str
    published_at: str | None
    model: str | None
    rows: dict[str, int | None]


class Problem(BaseModel):
    """An error: what is wrong."""

    detail: str


class ServingUnavailable(RuntimeError):
    """The serving file is missing or unreadable."""


@dataclass
class _Publication:
    """One open serving file: its identity, connection, what it holds, and
    the per-thread cursors of the requests using it."""

    identity: tuple[int, int, int, int]
    connection: duckdb.DuckDBPyConnection
    alias: str
    info: dict[str, Any]
    lists: UserLists | None = None
    cursors: dict[int, duckdb.DuckDBPyConnection] = field(default_factory=dict)
    in_use: int = 0
    retired: bool = False

    def close(self) -> None:
        for cursor in self.cursors.values():
            cursor.close()
        self.cursors.clear()
        self.connection.close()


def _identity(path: Path) -> tuple[int, int, int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size


def _read_info(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """What /health reports, read once per publication."""
    tables = {row[0] for row in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database()").fetchall()}
    rows = dict(con.execute(
        "select object_name, row_count from publication_info where object_type = 'table'").fetchall())
    published = con.execute("select max(published_at_utc) from publication_info").fetchall()[0][0]
    published_at = published.strftime("%Y-%m-%dT%H:%M:%SZ") if published else None
    model = weights_model = None
    if "model_info" in tables:
        model, weights_model = con.execute("select model, weights_model from model_info").fetchall()[0]
    return {
        "serving_db": str(path),
        "published_at": published_at,
        "model": model,
        "weights_model": weights_model,
        # the members of every user list's JSON after the user id
        "list_members": compact_json({"model": model, "published_at": published_at})[1:-1],
        "rows": rows,
        "tables": sorted(tables),
    }

ARTIST_CODES_SQL = "select artist_mbid, artist_name from artists order by artist_mbid"
LIST_USERS_SQL = "select user_id, count(*) from recommendations group by user_id order by user_id"
LIST_ROWS_SQL = """
    with codes as (
        select artist_mbid, row_number() over (order by artist_mbid) - 1 as code from artists
    )
    select recommendations.rank, codes.code, recommendations.score
    from recommendations
    inner join codes on recommendations.artist_mbid = codes.artist_mbid
    order by recommendations.user_id, recommendations.rank
"""
LIST_REASONS_SQL = """
    with codes as (
        select artist_mbid, row_number() over (order by artist_mbid) - 1 as code from artists
    ),
    positions as (
        select user_id, rank, row_number() over (order by user_id, rank) - 1 as position from recommendations
    )
    select positions.position, codes.code, reasons.share
    from recommendation_reasons as reasons
    inner join positions on reasons.user_id = positions.user_id and reasons.rank = positions.rank
    inner join codes on reasons.reason_artist_mbid = codes.artist_mbid
    order by positions.position, reasons.reason_rank
"""


@dataclass(frozen=True)
class UserLists:
    """Every user's list and reasons of one publication in compact arrays,
    so that a lookup is a binary search and a slice instead of a query (a
    DuckDB point query scans a row group: milliseconds; this: microseconds).
    About 70 bytes per recommendation with its reasons (0.5 GB at full size).

    users: (n,) user ids sorted (bytes); rec_start (n + 1,) each user's rows
    in rank / artist / score; reason_start (recommendations + 1,) each
    recommendation's rows in reason_artist / share; artists are codes into
    item_prefix and reason_prefix, each artist's JSON text up to the score
    (an item) or the share (a reason), written once at load.
    """

    users: np.ndarray
    rec_start: np.ndarray
    rank: np.ndarray
    artist: np.ndarray
    score: np.ndarray
    reason_start: np.ndarray
    reason_artist: np.ndarray
    share: np.ndarray
    item_prefix: list[str]
    reason_prefix: list[str]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> UserLists:
        artist_json = [compact_json({"artist_mbid": mbid, "artist_name": name})[1:-1]
                       for mbid, name in con.execute(ARTIST_CODES_SQL).fetchall()]
        users = con.sql(LIST_USERS_SQL).to_arrow_table()
        rows = con.sql(LIST_ROWS_SQL).to_arrow_table()
        reasons = con.sql(LIST_REASONS_SQL).to_arrow_table()
        counts = users.column(1).to_numpy()
        position = reasons.column(0).to_numpy()
        n_recs = rows.num_rows
        return cls(
            users=np.array(users.column(0).to_pylist(), dtype="S40"),
            rec_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            rank=rows.column(0).to_numpy().astype(np.int32),
            artist=rows.column(1).to_numpy().astype(np.int32),
            score=rows.column(2).to_numpy().astype(np.float64),
            reason_start=np.concatenate([[0], np.cumsum(np.bincount(position, minlength=n_recs))]).astype(np.int64),
            reason_artist=reasons.column(1).to_numpy().astype(np.int32),
            share=reasons.column(2).to_numpy().astype(np.float64),
            item_prefix=[f'{members},"score":' for members in artist_json],
            reason_prefix=[f'{{{members},"share":' for members in artist_json],
        )

    def items_json(self, user_id: str, limit: int) -> str | None:
        """The JSON array of the user's first ``limit`` items (the API's
        "items"), or None for a user without recommendations."""
        key = user_id.encode("ascii")
        at = int(np.searchsorted(self.users, key))
        if at >= len(self.users) or self.users[at] != key:
            return None
        start, end = int(self.rec_start[at]), int(self.rec_start[at + 1])
        end = min(end, start + limit)
        # one pass over flat lists with prefixes written at load: the floats' repr is most of the cost
        reason_start = self.reason_start[start:end + 1].tolist()
        first, last = reason_start[0], reason_start[-1]
        reason_prefix = self.reason_prefix
        reasons = [f"{reason_prefix[artist]}{share!r}}}" for artist, share in
                   zip(self.reason_artist[first:last].tolist(), self.share[first:last].tolist())]
        item_prefix = self.item_prefix
        items = [f'{{"rank":{rank},{item_prefix[artist]}{score!r},"reasons":['
                 f'{",".join(reasons[reason_start[i] - first:reason_start[i + 1] - first])}]}}'
                 for i, (rank, artist, score) in enumerate(zip(self.rank[start:end].tolist(),
                                                               self.artist[start:end].tolist(),
                                                               self.score[start:end].tolist()))]
        return "[" + ",".join(items) + "]"


class ServingFile:
    """The current publication of the serving file at ``path`` (module
    docstring). ``index_lists`` loads each publication's UserLists."""

    def __init__(self, path: str | os.PathLike[str], index_lists: bool = True):
        self.path = Path(path)
        self.index_lists = index_lists
        self._lock = threading.Lock()
        self._current: _Publication | None = None
        self._loading: threading.Thread | None = None

    def _open(self, identity: tuple[int, int, int, int]) -> _Publication:
        # a new in-memory database attaching the file: duckdb.connect(path) would hand back the
        # cached instance of the old file while its connection is open
        alias = f"publication_{uuid.uuid4().hex[:12]}"
        con = None
        try:
            con = duckdb.connect(config={
                # DuckDB keeps what loading the lists needed (4 GB at full size unbounded, 1.7 GB with 1 GB)
                "memory_limit": os.environ.get("LASTFM_API_MEMORY_LIMIT", "1GB"),
                "temp_directory": str(Path(tempfile.gettempdir()) / "lastfm_recs_api"),
            })
            path = str(self.path).replace("'", "''")
            con.execute(f"attach '{path}' as {alias} (read_only)")
            con.execute(f"use {alias}")
            info = _read_info(con, self.path)
            lists = UserLists.load(con.cursor().execute(f"use {alias}")) if self.index_lists else None
            # the objects loaded so far live as long as the publication: out of the cyclic garbage
            # collector's full passes (each walked all of them: about 90 ms, a pause of every request)
            gc.collect()
            gc.freeze()
            return _Publication(identity, con, alias, info, lists)
        except (duckdb.Error, OSError) as error:
            if con is not None:
                con.close()
            raise ServingUnavailable(f"cannot read the serving file {self.path}: {error}") from error

    def _swap(self, fresh: _Publication) -> None:
        """Make ``fresh`` current (under the lock); the old one closes when idle."""
        current = self._current
        if current is not None:
            current.retired = True
            if current.in_use == 0:
                current.close()
        self._current = fresh

    def _load_in_background(self, identity: tuple[int, int, int, int]) -> None:
        try:
            fresh = self._open(identity)
        except ServingUnavailable:
            fresh = None  # e.g. replaced again while loading: the next request retries
        with self._lock:
            if fresh is not None:
                self._swap(fresh)
            self._loading = None

    def _acquire(self) -> _Publication:
        try:
            identity = _identity(self.path)
        except OSError as error:
            raise ServingUnavailable(f"serving file {self.path} not found: run make build "
                                     "(or set LASTFM_SERVING_DB)") from error
        with self._lock:
            current = self._current
            if current is None:
                self._swap(self._open(identity))  # the first publication: nothing to serve meanwhile
                current = self._current
            elif current.identity != identity and self._loading is None:
                # a new publication: loaded beside the current one, which serves until it is ready
                self._loading = threading.Thread(target=self._load_in_background, args=(identity,), daemon=True)
                self._loading.start()
            current.in_use += 1
            return current

    def is_open(self) -> bool:
        """Whether a publication is open (later lookups do not block on opening one)."""
        return self._current is not None

    def wait_loaded(self, timeout: float = 60.0) -> None:
        """Block until a publication being loaded is current (tests, benchmarks)."""
        loading = self._loading
        if loading is not None:
            loading.join(timeout)

    def _release(self, publication: _Publication) -> None:
        with self._lock:
            publication.in_use -= 1
            if publication.retired and publication.in_use == 0:
                publication.close()

    @contextmanager
    def publication(self) -> Iterator[_Publication]:
        """The current publication, held for the duration of the block."""
        publication = self._acquire()
        try:
            yield publication
        finally:
            self._release(publication)

    @contextmanager
    def cursor(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, _Publication]]:
        """(this thread's cursor on the current publication, the publication),
        held for the duration of the block."""
        publication = self._acquire()
        try:
            thread = threading.get_ident()
            cursor = publication.cursors.get(thread)
            if cursor is None:
                with self._lock:
                    cursor = publication.connection.cursor()
                cursor.execute(f"use {publication.alias}")
                publication.cursors[thread] = cursor
            yield cursor, publication
        finally:
            self._release(publication)

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.retired = True
                if self._current.in_use == 0:
                    self._current.close()
                self._current = None


def user_list(cursor: duckdb.DuckDBPyConnection, user_id: str, limit: int) -> list[dict[str, Any]] | None:
    """The user's first ``limit`` recommendations with their reasons; None
    for a user without recommendations."""
    rows = cursor.execute(USER_LIST_SQL, {"user_id": user_id, "limit": limit}).fetchall()
    items: dict[int, dict[str, Any]] = {}
    reasons: list[tuple] = []
    for part, rank, reason_rank, mbid, name, value in rows:
        if part == 0:
            items[rank] = {"rank": rank, "artist_mbid": mbid, "artist_name": name, "score": value, "reasons": []}
        else:
            reasons.append((rank, reason_rank, mbid, name, value))
    if not items:
        return None
    for rank, _, mbid, name, share in sorted(reasons):
        items[rank]["reasons"].append({"artist_mbid": mbid, "artist_name": name, "share": share})
    return [items[rank] for rank in sorted(items)]


def fold_in(cursor: duckdb.DuckDBPyConnection, artists: list[str], limit: int,
            max_reasons: int = 3) -> tuple[list[dict[str, Any]], list[str]]:
    """A new listener who names ``artists``: s(a) = sum over the named
    artists i of W(i, a) for the artists a not named (lastfm_recs.item_weights),
    the ``limit`` best (ties by MBID), each with its reasons (the named
    artists with the largest W(i, a), share = W(i, a) / s(a)). Returns the
    items and the named artists the serving file does not know."""
    named = list(dict.fromkeys(artists))
    known = dict(cursor.execute(KNOWN_ARTISTS_SQL, {"artists": named}).fetchall())
    unknown = [mbid for mbid in named if mbid not in known]
    scores: dict[str, float] = {}
    names: dict[str, str | None] = {}
    parts: dict[str, list[tuple[float, str]]] = {}
    for source, target, target_name, weight in cursor.execute(FOLD_IN_SQL, {"artists": named}).fetchall():
        if target in known:
            continue
        scores[target] = scores.get(target, 0.0) + weight
        names[target] = target_name
        parts.setdefault(target, []).append((weight, source))
    ranked = sorted(scores, key=lambda mbid: (-scores[mbid], mbid))[:limit]
    items = []
    for rank, mbid in enumerate(ranked, start=1):
        top = sorted(parts[mbid], key=lambda part: (-part[0], part[1]))[:max_reasons]
        items.append({
            "rank": rank, "artist_mbid": mbid, "artist_name": names[mbid], "score": scores[mbid],
            "reasons": [{"artist_mbid": source, "artist_name": known[source], "share": weight / scores[mbid]}
                        for weight, source in top],
        })
    return items, unknown


def compact_json(value: Any) -> str:
    """The API's JSON: UTF-8 text as is, no spaces."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def user_list_body(serving: ServingFile, user_id: str, limit: int) -> tuple[int, bytes]:
    """(HTTP status, JSON body) of GET /users/{user_id}/recommendations for a
    well-formed ``user_id`` and ``limit``: 200 with the list, or 404."""
    with serving.publication() as publication:
        info = publication.info
        if publication.lists is not None:
            items = publication.lists.items_json(user_id, limit)
        else:
            with serving.cursor() as (cursor, _):
                found = user_list(cursor, user_id, limit)
            items = None if found is None else compact_json(found)
        if items is None:
            return 404, compact_json({"detail": f"user {user_id} has no recommendations in this publication"}
                                     ).encode()
        # the id is 40 hex digits (USER_ID_PATTERN): JSON as it is
        return 200, f'{{"user_id":"{user_id}",{info["list_members"]},"items":{items}}}'.encode()


#: The user lookup FastUserLookups answers itself: a well-formed id and no
#: query or only ?limit= with 1 to 3 digits (checked against 1..MAX_LIMIT).
FAST_USER_PATH = re.compile(r"/users/([0-9a-f]{40})/recommendations")
FAST_LIMIT_QUERY = re.compile(rb"(?:limit=([0-9]{1,3}))?")


class FastUserLookups:
    """ASGI middleware: the user lookup straight from the in-memory lists,
    without FastAPI's routing and parameter validation (about a third of
    the request's server time, docs/api.md). It answers only requests that
    the route would accept (FAST_USER_PATH, FAST_LIMIT_QUERY) while a
    publication is open, with the route's own body (user_list_body); all
    else, errors included, goes on to FastAPI."""

    def __init__(self, app, serving: ServingFile):
        self.app = app
        self.serving = serving

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self.serving.index_lists \
                and self.serving.is_open():
            path = FAST_USER_PATH.fullmatch(scope["path"])
            query = FAST_LIMIT_QUERY.fullmatch(scope["query_string"]) if path else None
            limit = int(query.group(1) or DEFAULT_LIMIT) if query else 0
            if 1 <= limit <= MAX_LIMIT:
                status, body = user_list_body(self.serving, path.group(1), limit)
                await send({"type": "http.response.start", "status": status, "headers": [
                    (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def create_app(serving_path: str | os.PathLike[str] | None = None, index_lists: bool = True,
               fast_lookups: bool = True):
    """The FastAPI application over the serving file at ``serving_path``
    (default: LASTFM_SERVING_DB, else beside LASTFM_DB); ``index_lists``: user lookups from the
    in-memory UserLists (else one query each); ``fast_lookups``: well-formed
    user lookups answered by FastUserLookups (same answers, less work)."""
    path = serving_path or configured_serving_path()
    serving = ServingFile(path, index_lists=index_lists)

    app = FastAPI(
        title="lastfm-recs read API",
        description="Recommendations, reasons and similar artists from the serving file of the last build "
                    "(docs/api.md). Read-only; a new publication is served without a restart.",
        version="1.0.0",
    )

    def json_response(payload: dict[str, Any], status: int = 200) -> Response:
        # built by hand: the lists come straight from DuckDB, no per-field validation on the hot path
        return Response(compact_json(payload), status_code=status,
                        media_type="application/json")

    @app.exception_handler(ServingUnavailable)
    def unavailable(request: Request, error: ServingUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.get("/health", response_model=Health, responses={503: {"model": Problem}})
    def health() -> Response:
        """The publication being served: when, which model, rows per table."""
        with serving.publication() as publication:
            info = publication.info
            return json_response({"status": "ok", "serving_db": info["serving_db"],
                                  "published_at": info["published_at"], "model": info["model"],
                                  "rows": info["rows"]})

    @app.get("/users/{user_id}/recommendations", response_model=UserList,
             responses={404: {"model": Problem}, 422: {"description": "malformed user id or limit"}})
    async def recommendations(
        user_id: Annotated[str, PathParam(pattern=USER_ID_PATTERN, description="User sha1 (40 hex digits).")],
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> Response:
        """The user's recommendations, best first, each with up to 3 reasons."""
        if serving.index_lists and serving.is_open():
            # a binary search and a slice of the in-memory lists (microseconds): on the event loop,
            # as a worker thread's hand-over would cost more than the lookup
            status, body = user_list_body(serving, user_id, limit)
        else:  # opening a publication or querying DuckDB blocks: in a worker thread
            status, body = await run_in_threadpool(user_list_body, serving, user_id, limit)
        return Response(body, status_code=status, media_type="application/json")

    @app.get("/artists/{artist_mbid}/similar", response_model=SimilarList,
             responses={404: {"model": Problem}, 422: {"description": "malformed MBID or limit"}})
    def similar(
        artist_mbid: Annotated[str, PathParam(pattern=MBID_PATTERN, description="MusicBrainz artist id.")],
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> Response:
        """Fans also like: the artists most similar to this one (an empty list
        for an artist with too few listeners)."""
        with serving.cursor() as (cursor, _):
            rows = cursor.execute(SIMILAR_SQL, {"artist": artist_mbid, "limit": limit}).fetchall()
            if not rows and not cursor.execute(ARTIST_EXISTS_SQL, {"artist": artist_mbid}).fetchall()[0][0]:
                return json_response({"detail": f"artist {artist_mbid} is not in this publication"}, 404)
            return json_response({"artist_mbid": artist_mbid, "items": [
                {"rank": rank, "artist_mbid": mbid, "artist_name": name, "score": score}
                for rank, mbid, name, score in rows]})

    @app.post("/recommendations", response_model=NewListenerList,
              responses={409: {"model": Problem}, 422: {"description": "malformed body"}})
    def new_listener(body: Annotated[NewListener, Body()]) -> Response:
        """Recommendations for a new listener from the artists they picked,
        folded into the published model without a rebuild (ease, item_knn)."""
        with serving.cursor() as (cursor, publication):
            info = publication.info
            if info["model"] not in FOLD_IN_MODELS or info["weights_model"] != info["model"]:
                return json_response({"detail": f"the published model {info['model']} cannot fold in a new "
                                                f"listener (only {', '.join(FOLD_IN_MODELS)} can)"}, 409)
            items, unknown = fold_in(cursor, body.artists, body.limit)
            return json_response({"model": info["model"], "published_at": info["published_at"],
                                  "unknown_artists": unknown, "items": items})

    if fast_lookups:
        app.add_middleware(FastUserLookups, serving=serving)
    app.state.serving = serving
    return app


def main(argv: list[str] | None = None) -> int:
    """make serve: uvicorn on HOST:PORT over LASTFM_SERVING_DB."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m lastfm_recs.api", description="The read API (docs/api.md).")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--serving-db", default=str(configured_serving_path()),
                        help="the serving file (default: LASTFM_SERVING_DB, else beside LASTFM_DB)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")),
                        help="server processes (each holds its own copy of the user lists)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if args.workers > 1:  # uvicorn starts each worker from the import string; create_app reads the variable
        os.environ["LASTFM_SERVING_DB"] = str(args.serving_db)
        uvicorn.run("lastfm_recs.api:create_app", factory=True, workers=args.workers, host=args.host,
                    port=args.port, log_level=args.log_level, access_log=False)
    else:
        uvicorn.run(create_app(args.serving_db), host=args.host, port=args.port, log_level=args.log_level,
                    access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
