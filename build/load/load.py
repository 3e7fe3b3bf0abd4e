#!/usr/bin/env python3
"""Helpers for build/bench load: preload vectors, the 16 x 49 MiB memory test, the wrk table.

    load.py preload URL KEY COUNT VERSION [QUERIES_FILE]
    load.py memory URL KEY PID MIB PARALLEL SETTLE_SECONDS
    load.py settle URL
    load.py table RESULTS_DIR
    load.py versions URL KEY CORPUS_DIR PER_FORMAT VERSION_A VERSION_B
"""
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def connection(url):
    parsed = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)


def dimension(url, key, version):
    """The service's own slot count for VERSION (GET /features/versions), so a layout change cannot desynchronise the preload."""
    conn = connection(url)
    conn.request("GET", "/api/v1/features/versions", headers={"X-API-Key": key})
    response = conn.getresponse()
    versions = json.loads(response.read())["versions"]
    conn.close()
    return next(v["dimension"] for v in versions if v["version"] == version)


def preload(url, key, count, version, queries=None):
    """Registers COUNT random VERSION vectors over 8 keep-alive connections; fails on any non-201.

    With QUERIES, every 20th stored vector (at most 1,000) is written there, one JSON array a
    line: the search benchmark's queries are then real stored vectors, each a different one.
    """
    sampled = []
    slots = dimension(url, key, version)

    def worker(start):
        conn = connection(url)
        rng = random.Random(start)
        for i in range(start, count, 8):
            vector = [round(rng.random() * 10, 4) for _ in range(slots)]
            if i % 20 == 0 and len(sampled) < 1000:
                sampled.append(vector)
            body = json.dumps({"id": f"preload-{version}-{i}", "feature_version": version, "vector": vector})
            conn.request("POST", "/api/v1/vectors", body, {"X-API-Key": key, "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                raise SystemExit(f"preload: vector {i} answered {response.status}")
        conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))
    print(f"preload: {count} {version} vectors in {time.monotonic() - started:.1f} s", file=sys.stderr)
    if queries:
        with open(queries, "w", encoding="ascii") as out:
            out.writelines(json.dumps(vector, separators=(",", ":")) + "\n" for vector in sampled)


def settle(url, limit_seconds=30.0):
    """Waits (bounded) until the service has no analysis in flight.

    When wrk stops it closes its connections with requests still in the service, which goes on
    with them; the next run's connections would then find those slots taken and, at c=128 with
    the default 128 in flight, be refused 503 OVERLOADED for the previous run's requests.
    """
    deadline = time.monotonic() + limit_seconds
    while True:
        conn = connection(url)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8")
        conn.close()
        match = re.search(r"^analysis_in_flight (\S+)$", text, re.MULTILINE)
        if match is None or float(match.group(1)) == 0:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"settle: {match.group(1)} analyses still in flight after {limit_seconds:.0f} s")
        time.sleep(0.05)


def rss_mib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def binary_stl(mib):
    """A valid binary STL of about MIB MiB: a strip of random-ish triangles."""
    triangles = (mib * 1024 * 1024 - 84) // 50
    rng = random.Random(7)
    header = b"cadml load test".ljust(80, b" ") + struct.pack("<I", triangles)
    one = bytearray()
    for _ in range(4096):
        values = [rng.uniform(-100, 100) for _ in range(9)]
        one += struct.pack("<12fH", 0.0, 0.0, 1.0, *values, 0)
    body = bytes(one) * (triangles // 4096) + bytes(one[: (triangles % 4096) * 50])
    return header + body


def memory(url, key, pid, mib, parallel, settle):
    """PARALLEL curl uploads of a MIB MiB binary STL at once; RSS sampled every 20 ms.

    curl sends large bodies with Expect: 100-continue, as HTTP clients do, so a request refused
    at admission gets its 503 before it sends the body.
    """
    workdir = tempfile.mkdtemp()
    content = binary_stl(mib)
    # A different header per upload: different files, so none is answered from the feature cache.
    for index in range(parallel):
        with open(os.path.join(workdir, f"big-{index}.stl"), "wb") as out:
            out.write(f"cadml load test {index}".encode().ljust(80, b" "))
            out.write(memoryview(content)[80:])
    before = rss_mib(pid)
    peak = [before]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.02)

    def upload(index):
        body = os.path.join(workdir, f"answer-{index}.json")
        headers = os.path.join(workdir, f"headers-{index}.txt")
        status = subprocess.run(
            ["curl", "-s", "-o", body, "-D", headers, "-w", "%{http_code}", "-H", f"X-API-Key: {key}",
             "-F", f"file=@{os.path.join(workdir, f'big-{index}.stl')}", f"{url}/api/v1/analyze"],
            capture_output=True, text=True, check=False).stdout.strip()
        retry_after = None
        with open(headers, encoding="latin-1") as lines:
            for line in lines:
                if line.lower().startswith("retry-after:"):
                    retry_after = line.split(":", 1)[1].strip()
        code = None
        if status != "200":
            try:
                with open(body, encoding="utf-8") as answer:
                    code = json.load(answer).get("code")
            except (OSError, ValueError):
                code = "unreadable body"
        return status, code, retry_after

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(parallel) as pool:
        results = list(pool.map(upload, range(parallel)))
    elapsed = time.monotonic() - started
    time.sleep(settle)
    stop.set()
    sampler.join()
    after = rss_mib(pid)
    shutil.rmtree(workdir)
    statuses = {}
    for status, code, retry_after in results:
        label = status + (f" {code}" if code else "") + (f" (Retry-After: {retry_after})" if retry_after else "")
        statuses[label] = statuses.get(label, 0) + 1
    accepted_failed = sum(1 for status, _, _ in results if status not in ("200", "503"))
    print(f"| uploads | {parallel} x {mib} MiB binary STL, all sent at once (curl) |")
    print("|---|---|")
    print(f"| answers | {', '.join(f'{n} x {label}' for label, n in sorted(statuses.items()))} |")
    print(f"| neither 200 nor 503 | {accepted_failed} |")
    print(f"| wall time of the burst | {elapsed:.1f} s |")
    print(f"| RSS before | {before:.0f} MB |")
    print(f"| peak RSS (sampled every 20 ms) | {peak[0]:.0f} MB |")
    print(f"| RSS {settle} s after the burst | {after:.0f} MB |")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse(path):
    text = open(path, encoding="utf-8").read()
    requests, duration = re.search(r"(\d+) requests in ([\d.]+(?:us|ms|s|m)),", text).groups()
    seconds = ms(duration) / 1000
    failed = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
    errors = re.search(r"Socket errors: (.*)", text)
    p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
    p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
    ok = int(requests) - failed
    return ok / seconds, p50, p99, failed, errors.group(1).strip() if errors else "", int(requests)


def cpu_seconds(path):
    """The service's user + system CPU seconds from a saved /proc/PID/stat line; None when there is none."""
    try:
        with open(path, encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command's ")".
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def index_sizes(path):
    """'v4 20,000, v5 1,234' from a saved /vectors/stats answer; empty when there is none."""
    try:
        with open(path, encoding="utf-8") as answer:
            counts = json.load(answer).get("by_version", {})
    except (OSError, ValueError):
        return ""
    return ", ".join(f"{version} {count:,}" for version, count in sorted(counts.items()))


def table(results):
    rows = {}
    order = []
    sizes = {}
    for name in sorted(os.listdir(results)):
        match = re.fullmatch(r"(\d+)-(\w+)-c(\d+)\.txt", name)
        if not match:
            continue
        _, slug, c = match.groups()
        with open(os.path.join(results, f"{slug}.label"), encoding="utf-8") as label:
            endpoint = label.read().strip()
        if endpoint not in rows:
            rows[endpoint] = {}
            order.append(endpoint)
        stem = os.path.join(results, name[:-4])
        start, end = cpu_seconds(stem + ".cpu-start"), cpu_seconds(stem + ".cpu-end")
        rows[endpoint][int(c)] = parse(os.path.join(results, name)) + (None if start is None or end is None else end - start,)
        sizes.setdefault(endpoint, []).append((int(c), index_sizes(stem + ".stats"), index_sizes(stem + ".stats-end")))
    levels = sorted({c for row in rows.values() for c in row})
    # CPU per request is the service process's own (not wrk's, not PostgreSQL's): on a shared,
    # noisy machine it moves far less than rps does, so it is the figure to compare changes by.
    print("| endpoint | " + " | ".join(f"c={c}: 2xx rps, p50 / p99 ms, service CPU per request" for c in levels) + " |")
    print("|---" * (len(levels) + 1) + "|")
    notes = []
    for endpoint in order:
        cells = []
        for c in levels:
            if c not in rows[endpoint]:
                cells.append("")
                continue
            rps, p50, p99, failed, errors, answered, cpu = rows[endpoint][c]
            cells.append(f"{rps:,.0f}, {p50:.1f} / {p99:.1f}" + ("" if cpu is None else f", {cpu / answered * 1e6:,.0f} µs"))
            if failed or errors:
                notes.append(f"{endpoint} c={c}: {failed} non-2xx" + (f"; socket errors {errors}" if errors else ""))
        print(f"| {endpoint} | " + " | ".join(cells) + " |")
    for endpoint in order:
        if any(start for _, start, _ in sizes[endpoint]):
            notes.append(f"{endpoint}: stored vectors by version at the start → end of each point: "
                         + "; ".join(f"c={c} {start} → {end}" for c, start, end in sizes[endpoint]))
    for note in notes:
        print(f"\n- {note}", end="")
    if notes:
        print()


def analyze_once(conn, key, path, content, version):
    """One POST /analyze of CONTENT with options.feature_version = VERSION; milliseconds, wall clock."""
    boundary = "cadml-versions-5b1e0c"
    name = os.path.basename(path)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n"
            f"{json.dumps({'feature_version': version})}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    started = time.perf_counter()
    conn.request("POST", "/api/v1/analyze", body, {"X-API-Key": key, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = conn.getresponse()
    answer = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"analyze {name} ({version}) answered {response.status}: {answer[:300]!r}")
    return elapsed


def versions(url, key, corpus, per_format, version_a, version_b):
    """Analyze p50 of two feature versions on the same real files, one request at a time.

    Each file is sent once per version, so neither is answered from the feature cache (its key is
    the content hash and the version); the order alternates per file so neither version always
    runs second. Both versions parse the same way; what differs is extraction and the index the
    similar-parts search runs against.
    """
    conn = connection(url)
    rows = []
    for fmt in ("dxf", "step", "stl", "iges"):
        folder = os.path.join(corpus, fmt)
        if not os.path.isdir(folder):
            continue
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
        stride = max(1, len(files) // per_format)
        chosen = files[::stride][:per_format]
        # Warm-up: the first requests of a format pay for JIT and first-use allocations.
        for path in files[1::stride][:3]:
            with open(path, "rb") as handle:
                content = handle.read()
            for version in (version_a, version_b):
                analyze_once(conn, key, path, content, version)
        times = {version_a: [], version_b: []}
        for index, path in enumerate(chosen):
            with open(path, "rb") as handle:
                content = handle.read()
            order = (version_a, version_b) if index % 2 == 0 else (version_b, version_a)
            for version in order:
                times[version].append(analyze_once(conn, key, path, content, version))
        rows.append((fmt, len(chosen), times))
    print(f"| format | files | {version_a} p50 ms | {version_b} p50 ms | {version_b} ÷ {version_a} (p50) | {version_a} p95 ms | {version_b} p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fmt, count, times in rows:
        a, b = sorted(times[version_a]), sorted(times[version_b])
        p50a, p50b = a[len(a) // 2], b[len(b) // 2]
        p95a, p95b = a[min(len(a) - 1, int(0.95 * len(a)))], b[min(len(b) - 1, int(0.95 * len(b)))]
        print(f"| {fmt} | {count} | {p50a:.1f} | {p50b:.1f} | {p50b / p50a:.2f} | {p95a:.1f} | {p95b:.1f} |")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "preload":
        preload(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6] if len(sys.argv) > 6 else None)
    elif command == "settle":
        settle(sys.argv[2])
    elif command == "memory":
        memory(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    elif command == "table":
        table(sys.argv[2])
    elif command == "versions":
        versions(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7])
    else:
        raise SystemExit(__doc__)
