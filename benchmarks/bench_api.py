"""Load benchmark of the read API (make serve), loopback only, bounded.

    .venv/bin/python benchmarks/bench_api.py
    .venv/bin/python benchmarks/bench_api.py --serving /path/lastfm_serving.duckdb --requests 5000
    .venv/bin/python benchmarks/bench_api.py --shape-users 359347   # a placeholder file of full size

Starts the API (python -m lastfm_recs.api) on 127.0.0.1 over a copy of the
serving file, then, for each --clients level (default 1, 16, 64), runs that
many concurrent clients, each on one keep-alive connection, asking
GET /users/{user_id}/recommendations?limit=20 for random users of the file
(seeded) until --requests requests are done or --seconds have passed.
Then the same at --republish-clients clients for --republish-seconds (at
most --republish-requests requests) while the serving file is republished
every --republish-every seconds (a fresh copy os.replace'd over it, as a
build publishes; the level must outlast a publication's load to see a swap).
Prints per level: requests, errors (any status but 200, or a broken
connection), requests/s (~ = estimated: see run_level_wrk), p50 / p99 / max latency.
--repeats N runs each --clients level N times and then prints the medians
(the tail latency varies from run to run on a shared 2-core machine).

--shape-users N serves instead a placeholder serving file of the full
dataset's shape (N users x 20 recommendations x 3 reasons over 186,642
artists, ids and scores drawn at random): the lookup cost depends on the
sizes, not on the scores, and it takes a minute instead of a full build.

--client wrk (the default when wrk is on the PATH; Debian package wrk)
drives the load with wrk, a C load generator that leaves most of the two
cores to the server; --client python uses a minimal HTTP/1.1 client on
asyncio streams in this process, which costs about as much CPU as a server
process. Either way client and server share the machine, and the figures
name the client. --workers N runs N server processes (each holds its own
copy of the user lists).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from lastfm_recs.serving import configured_serving_path


def placeholder_serving_file(path: Path, n_users: int, n_artists: int = 186_642) -> None:
    """A serving file of the read API's tables with n_users users x 20
    recommendations x 3 reasons, random ids and scores (module docstring)."""
    from lastfm_recs.serving import publish

    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    mbid = ("substr(md5(i::varchar), 1, 8) || '-' || substr(md5(i::varchar), 9, 4) || '-' || "
            "substr(md5(i::varchar), 13, 4) || '-' || substr(md5(i::varchar), 17, 4) || '-' || "
            "substr(md5(i::varchar), 21, 12)")
    con.execute(f"create table artists as select {mbid} as artist_mbid, 'artist ' || i as artist_name, "
                f"1 + (i % 500) as listeners from range({n_artists}) t(i)")
    con.execute("create table codes as select artist_mbid, artist_name, row_number() over () - 1 as code from artists")
    con.execute(f"""create table recommendations as
        select md5(u::varchar) || substr(md5((u + 1)::varchar), 1, 8) as user_id, r::integer as rank,
               codes.artist_mbid, codes.artist_name, 1.0 / r as score
        from range({n_users}) t(u) cross join range(1, 21) s(r)
        inner join codes on codes.code = hash(u, r) % {n_artists}""")
    con.execute(f"""create table recommendation_reasons as
        select user_id, rank, recommendations.artist_mbid, k as reason_rank, codes.artist_mbid as reason_artist_mbid,
               codes.artist_name as reason_artist_name, 0.1 * score as contribution, 0.3 / k as share
        from recommendations cross join range(1, 4) s(k)
        inner join codes on codes.code = hash(user_id, rank, k) % {n_artists}""")
    con.execute("""create table similar_artists as
        select codes.artist_mbid, k as rank, other.artist_mbid as similar_artist_mbid,
               other.artist_name as similar_artist_name, 1.0 / k as score
        from (select * from codes where code < 10000) codes cross join range(1, 21) s(k)
        inner join codes as other on other.code = hash(codes.code, k) % 10000""")
    con.execute("create table artist_weights as select artist_mbid, rank::integer as rank, "
                "similar_artist_mbid as neighbour_mbid, similar_artist_name as neighbour_name, "
                "score as weight, 'ease' as model from similar_artists")
    con.execute("create table model_info as select 'ease' as model, '{}' as model_params, 'ease' as weights_model")
    tables = ["artists", "recommendations", "recommendation_reasons", "similar_artists", "artist_weights",
              "model_info"]
    publish(con, {name: f"select * from memory.main.{name}" for name in tables}, path)
    con.close()


def server_rss_mib(pid: int) -> float:
    """Resident memory of the API process and its worker processes (WORKERS
    > 1: uvicorn's children), from Linux /proc, in MiB; NaN elsewhere."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for process in [pid, *map(int, children)]:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024
    except OSError:
        return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def one_client(port: int, paths: list[str], budget: dict, deadline: float, latencies: list[float],
                     errors: list[str]) -> None:
    """Requests on one keep-alive connection until the shared budget or the deadline runs out."""
    reader = writer = None
    while budget["left"] > 0 and time.perf_counter() < deadline:
        budget["left"] -= 1
        path = random.choice(paths)
        start = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(f"status {status}")
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            errors.append(f"{type(error).__name__}: {error}")
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def run_level(port: int, paths: list[str], clients: int, requests: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    budget = {"left": requests}

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(one_client(port, paths, budget, deadline, latencies, errors) for _ in range(clients)))

    start = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def quantile(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    return {"clients": clients, "requests": len(latencies) + sum(1 for e in errors if not e.startswith("status")),
            "errors": len(errors), "rps": len(latencies) / elapsed, "p50": quantile(0.5), "p99": quantile(0.99),
            "max": 1000 * ordered[-1] if ordered else float("nan"), "first_error": errors[0] if errors else ""}


#: wrk's script: the paths in turn, at most REQUESTS requests per thread
#: (then the thread stops; counted when sent, as a response() callback would
#: hand every body to Lua and slow wrk down), one JSON line of figures at the end.
WRK_SCRIPT = """
local paths, i, threads = {}, 0, {}
for line in io.lines(PATHS_FILE) do paths[#paths + 1] = line end
setup = function(thread) threads[#threads + 1] = thread end
request = function()
  i = i + 1
  if i >= REQUESTS then
    stopped = 1
    wrk.thread:stop()
  end
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e, early = summary.errors, 0
  for _, thread in ipairs(threads) do
    if thread:get("stopped") then early = 1 end
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "errors": %d, "p50": %f, "p99": %f, "max": %f, "mean": %f, "early": %d}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000, early))
end
"""


def run_level_wrk(port: int, paths: list[str], clients: int, requests: int, seconds: float, work: Path) -> dict:
    """One level with wrk (a C load generator, far cheaper than the asyncio
    clients: more of the two cores is left to the server). One wrk thread,
    ``clients`` keep-alive connections, at most ``requests`` requests and
    ``seconds`` seconds; any status but 2xx/3xx or socket error is an error.
    wrk runs for the whole ``seconds`` even when the request bound stopped its
    thread earlier: then requests/s is estimated as clients / mean latency
    (each connection sends its next request when the last one is answered)
    and marked as such."""
    paths_file = work / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = work / "bench.lua"
    script.write_text(f"PATHS_FILE = {json.dumps(str(paths_file))}\nREQUESTS = {requests}\n" + WRK_SCRIPT)
    result = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "-s", str(script),
                             f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    stopped_early = bool(figures["early"])
    rps = clients / (figures["mean"] / 1000) if stopped_early else figures["requests"] / figures["seconds"]
    return {"clients": clients, "requests": figures["requests"], "errors": figures["errors"], "rps": rps,
            "rps_estimated": stopped_early, "p50": figures["p50"], "p99": figures["p99"],
            "max": figures["max"], "first_error": "" if not figures["errors"] else result.stdout[-500:]}


def wait_ready(port: int, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the API exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if b" 200 " in sock.recv(4096):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not answer /health in time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serving", type=Path, default=configured_serving_path(), help="the serving file")
    parser.add_argument("--clients", default="1,16,64", help="concurrency levels, comma separated")
    parser.add_argument("--requests", type=int, default=4000, help="requests per level at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per level at most")
    parser.add_argument("--republish-clients", type=int, default=16)
    parser.add_argument("--republish-every", type=float, default=1.0, help="seconds between republications")
    parser.add_argument("--republish-seconds", type=float, default=20.0,
                        help="seconds of the republication level at most (longer than a publication's load); "
                             "0 = no republication level")
    parser.add_argument("--republish-requests", type=int, default=200_000,
                        help="requests of the republication level at most")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each --clients level (one after the other), then their medians")
    parser.add_argument("--users", type=int, default=2000, help="distinct users asked (random, seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="API server processes")
    parser.add_argument("--ready-timeout", type=float, default=900.0,
                        help="seconds to wait for the API's first answer (it loads the publication)")
    parser.add_argument("--shape-users", type=int, default=0,
                        help="serve a placeholder serving file of this many users instead (module docstring)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk (Debian package wrk; auto when on the PATH) or the asyncio clients")
    parser.add_argument("--path", default="/users/{user}/recommendations?limit=20",
                        help="the request, {user} = a random user id (e.g. /health for the framework alone)")
    args = parser.parse_args(argv)
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    elif args.client == "wrk" and not shutil.which("wrk"):
        parser.error("--client wrk: wrk is not on the PATH (Debian: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench_api_"))
    if args.shape_users:
        started = time.perf_counter()
        args.serving = work / "placeholder.duckdb"
        placeholder_serving_file(args.serving, args.shape_users)
        print(f"placeholder serving file of {args.shape_users:,} users written in "
              f"{time.perf_counter() - started:.0f} s")
    if not args.serving.is_file():
        parser.error(f"serving file {args.serving} not found: run make build first")
    random.seed(args.seed)
    with duckdb.connect(str(args.serving), read_only=True) as con:
        everyone = [row[0] for row in con.execute(
            "select distinct user_id from recommendations order by user_id").fetchall()]
    users = random.sample(everyone, min(args.users, len(everyone)))
    paths = [args.path.format(user=user) for user in users]

    served = work / "serving.duckdb"
    shutil.copyfile(args.serving, served)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "lastfm_recs.api", "--serving-db", str(served),
                               "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)])
    try:
        started = time.perf_counter()
        wait_ready(port, server, args.ready_timeout)
        print(f"API ready (first publication loaded) in {time.perf_counter() - started:.1f} s, "
              f"server memory {server_rss_mib(server.pid):.0f} MiB")
        print(f"serving file {args.serving} ({args.serving.stat().st_size / 2**20:.0f} MiB), {len(users)} users, "
              f"{args.workers} server process(es), client {args.client}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")

        def level(clients: int, requests: int, seconds: float) -> dict:
            if args.client == "wrk":
                return run_level_wrk(port, paths, clients, requests, seconds, work)
            return run_level(port, paths, clients, requests, seconds)

        print("| clients | requests | errors | requests/s | p50 ms | p99 ms | max ms | republications |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        run_level(port, paths, 4, 200, 5.0)  # warm-up: the connection's caches

        def show(result: dict, republications: str = "-") -> None:
            rps = f"~{result['rps']:.0f}" if result.get("rps_estimated") else f"{result['rps']:.0f}"
            print(f"| {result['clients']} | {result['requests']} | {result['errors']} | {rps} | "
                  f"{result['p50']:.2f} | {result['p99']:.2f} | {result['max']:.1f} | {republications} |",
                  flush=True)
            if result["first_error"]:
                print(f"  first error: {result['first_error']}")

        medians = []
        for clients in (int(c) for c in args.clients.split(",")):
            runs = [level(clients, args.requests, args.seconds) for _ in range(args.repeats)]
            for result in runs:
                show(result)
            if args.repeats > 1:
                medians.append((clients, statistics.median(r["rps"] for r in runs),
                                statistics.median(r["p50"] for r in runs), statistics.median(r["p99"] for r in runs)))
        if medians:
            print(f"medians of {args.repeats} runs per level:")
            print("| clients | requests/s | p50 ms | p99 ms |")
            print("| --- | --- | --- | --- |")
            for clients, rps, p50, p99 in medians:
                print(f"| {clients} | {rps:.0f} | {p50:.2f} | {p99:.2f} |")
        if args.republish_seconds <= 0:
            return 0

        stop = threading.Event()
        republished = [0]

        def republish() -> None:
            while not stop.wait(args.republish_every):
                staging = work / f"serving.duckdb.publishing-{republished[0]}"
                shutil.copyfile(args.serving, staging)
                os.replace(staging, served)
                republished[0] += 1

        publisher = threading.Thread(target=republish)
        publisher.start()
        try:
            result = level(args.republish_clients, args.republish_requests, args.republish_seconds)
        finally:
            stop.set()
            publisher.join()
        show(result, str(republished[0]))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still loading a publication: no graceful stop needed
            server.kill()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
