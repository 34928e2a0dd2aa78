"""Every benchmark in one command, and one table of figures: figure, value, target, met.

    .venv/bin/python bench/run_all.py --scale small                 # about 15-25 minutes on 2 cores
    .venv/bin/python bench/run_all.py --scale national --url postgresql+psycopg://postgres@127.0.0.1/saptah_national
    .venv/bin/python bench/run_all.py --scale small --only boards,dashboards --url ...   # a subset

It builds what it needs: the national-shaped demo dataset (`saptah demo --scale national`, all 4.6 million people
at `--scale national`, 1 % at `small`) unless `--url` names one already built, and each bench's own throwaway
data. Then it runs every bench under bench/ as its own process, keeps their full output in a log folder, and
prints the table with the date, the commit and the load average, as Markdown (for docs/performance.md).
A step that fails is listed as failed with its log; the others still run. The boards and dashboards benches
credit records into the dataset while they measure (tagged `bench:` source keys): give `--url` a copy
(`createdb -T saptah_national saptah_perf`) rather than a dataset others read.

Small-scale figures are not the national figures: targets are national ones, so read `met` at `small` as
"met on a dataset 1/100 of the size", useful to spot a regression in minutes, not to claim a target.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Figure:
    """One line of the table."""

    figure: str
    value: str
    target: str
    met: bool | None


@dataclass
class Step:
    """One bench: how to run it at each scale and how to read its figures from its output."""

    name: str
    argv: Callable[[argparse.Namespace], list[str]]
    read: Callable[[str], list[Figure]]


def num(text: str) -> float:
    """A number as the benches print it: '1,234.5' -> 1234.5."""
    return float(text.replace(",", ""))


def find(pattern: str, out: str) -> re.Match[str] | None:
    return re.search(pattern, out, re.MULTILINE)


def below(name: str, value: float, limit: float, unit: str, p50: float | None = None) -> Figure:
    shown = f"{value:,.1f} {unit}" + (f" (p50 {p50:,.1f})" if p50 is not None else "")
    return Figure(name, shown, f"< {limit:,.0f} {unit}", value < limit)


def above(name: str, value: float, floor: float, unit: str) -> Figure:
    return Figure(name, f"{value:,.0f} {unit}", f">= {floor:,.0f} {unit}", value >= floor)


# --- readers: one per bench, from the lines it prints ------------------------------------------------------------


def read_boards(out: str) -> list[Figure]:
    import json

    line = next(x for x in out.splitlines() if x.startswith("FIGURES "))
    f = json.loads(line[len("FIGURES ") :])
    names = {
        "leaderboard_api": "national board API p95 (HTTP, learner)",
        "organisations_api": "organisation board API p95 (HTTP)",
        "leaderboard_page": "board page p95 (HTTP)",
        "leaderboard_api_ranked": "national board API p95 (HTTP, a learner mid-board)",
        "home_page_ranked": "home page p95 (HTTP, a learner mid-board: the rank panel)",
    }
    rows = [
        below(label, f[key]["p95"], f[key]["target"], "ms", f[key]["p50"]) for key, label in names.items() if key in f
    ]
    rows.append(Figure("credit ingested meanwhile (boards)", f"{f['ingest_rate']:,} records/s", "1,000 asked", None))
    return rows


def read_dashboards(out: str) -> list[Figure]:
    """The dashboards as their readers get them (shared, at most the max age old: the target), and as one request
    computes them (what the shared reading costs once per max age; no target of its own)."""
    rows = []
    for label, key in (("national dashboard", "national dashboard"), ("MDO dashboard", "MDO dashboard")):
        m = find(rf"^{key}, shared \(max age (\d+) s[^)]*\)\s+([\d.]+)\s+([\d.]+)", out)
        if m:
            name = f"{label} p95 as readers get it (shared, max age {m.group(1)} s, credit flowing)"
            rows.append(below(name, num(m.group(3)), 100, "ms", num(m.group(2))))
    for label, key, limit in (
        ("national dashboard p95, computed for one request", "national dashboard", None),
        ("MDO dashboard p95, computed for one request", "MDO dashboard", None),
        ("daily trend p95", "daily trend", 100),
    ):
        m = find(rf"^{key}\s+([\d.]+)\s+([\d.]+)", out)
        if m and limit is not None:
            rows.append(below(label + " (credit flowing)", num(m.group(2)), limit, "ms", num(m.group(1))))
        elif m:
            shown = f"{num(m.group(2)):,.1f} ms (p50 {num(m.group(1)):,.1f})"
            rows.append(Figure(label + " (credit flowing)", shown, "— (once per max age)", None))
    for fmt in ("csv", "xlsx"):
        m = find(rf"^export not_started \({fmt}[^)]*\)\s+([\d.]+)", out)
        if m:
            rows.append(below(f"MDO export 'not started' {fmt.upper()} p50", num(m.group(1)) / 1000, 5, "s"))
    m = find(r"credit ingest meanwhile: ([\d,]+) records/s", out)
    if m:
        rows.append(above("credit ingested meanwhile (dashboards)", num(m.group(1)), 1000, "records/s"))
    return rows


def read_campaign(out: str) -> list[Figure]:
    rows = []
    m = find(r"^live ingest alone.*?: ([\d,]+) records/s", out)
    if m:
        rows.append(above("credit ingest, 1 process", num(m.group(1)), 5000, "records/s"))
    m = find(r"^live ingest, 2 processes together: ([\d,]+) records/s", out)
    if m:
        rows.append(above("credit ingest, 2 processes", num(m.group(1)), 5000, "records/s"))
    m = find(r"^leaderboard page .*p95 ([\d.]+) ms", out)
    if m:
        rows.append(below("board page p95 during ingest (in process)", num(m.group(1)), 50, "ms"))
    m = find(r"^full recompute \(bulk path\): ([\d.]+) s", out)
    if m:
        rows.append(below("full recompute", num(m.group(1)), 60, "s"))
    m = find(r"^live aggregates == recompute: (\w+)", out)
    if m:
        rows.append(Figure("live aggregates == recompute", m.group(1), "True", m.group(1) == "True"))
    return rows


def read_import(out: str) -> list[Figure]:
    rows = []
    m = find(r"^PostgreSQL end to end: [\d.]+ s, ([\d,]+) rows/s", out)
    if m:
        rows.append(above("onboarding, end to end (PostgreSQL)", num(m.group(1)), 20000, "rows/s"))
    m = find(r"^ratio end-to-end / raw COPY: ([\d.]+)", out)
    if m:
        value = num(m.group(1))
        rows.append(Figure("onboarding / raw COPY", f"{value:.2f}", ">= 0.50", value >= 0.5))
    return rows


def read_presence(out: str) -> list[Figure]:
    rows = []
    m = find(r"target ([\d,]+)/s\); answered while sending ([\d,]+)/s", out)
    if m:
        rows.append(above(f"presence pings answered ({m.group(1)}/s offered)", num(m.group(2)), num(m.group(1)), "/s"))
    m = find(r"^latency ms: .*p99 ([\d.]+)", out)
    if m:
        rows.append(below("presence ping p99", num(m.group(1)), 100, "ms"))
    m = find(r"^exact: (\w+)", out)
    if m:
        rows.append(Figure("presence attendance exact", m.group(1), "yes", m.group(1) == "yes"))
    return rows


def read_catalog(out: str) -> list[Figure]:
    rows = []
    for m in re.finditer(r"^(\S+): courses=.*p95=([\d.]+) ms", out, re.MULTILINE):
        rows.append(below(f"catalogue search p95 ({m.group(1)})", num(m.group(2)), 50, "ms"))
    return rows


def read_subtree(out: str) -> list[Figure]:
    rows = []
    for m in re.finditer(r"^(\S+) orgs=.* people_page_p95_ms=([\d.]+)", out, re.MULTILINE):
        rows.append(below(f"people page in a subtree p95 ({m.group(1)})", num(m.group(2)), 50, "ms"))
    return rows


def read_plans(out: str) -> list[Figure]:
    rows = []
    m = find(r"^My learning, MoHFW staff.*p95 ([\d.]+) ms", out)
    if m:
        rows.append(below("My learning p95", num(m.group(1)), 50, "ms"))
    m = find(r"^  CSV, .*wall p50 ([\d.]+) s", out)
    if m:
        rows.append(below("APAR export CSV (ministry plan) p50", num(m.group(1)), 5, "s"))
    return rows


# --- the steps, with their size at each scale ----------------------------------------------------------------------


def sized(a: argparse.Namespace, small: str, national: str) -> str:
    """A bench parameter by scale."""
    return small if a.scale == "small" else national


def steps() -> list[Step]:
    """Every bench, in the order run."""
    return [
        Step(
            "boards",
            lambda a: [
                "boards.py",
                "--url",
                a.url,
                "--rounds",
                sized(a, "100", "200"),
                "--port",
                str(a.port),
                "--json",
            ],
            read_boards,
        ),
        Step("dashboards", lambda a: ["dashboards.py", "--url", a.url, "--rounds", "30"], read_dashboards),
        Step(
            "campaign",
            lambda a: ["campaign.py", "--scale", sized(a, "0.02", "1"), "--ingest", sized(a, "10000", "40000")],
            read_campaign,
        ),
        Step(
            "import_users",
            lambda a: ["import_users.py", "--rows", sized(a, "100000", "1000000"), "--no-sqlite"],
            read_import,
        ),
        Step("presence", presence_argv, read_presence),
        Step("catalog_search", lambda a: ["catalog_search.py", "--rounds", "100"], read_catalog),
        Step(
            "org_subtree",
            lambda a: ["org_subtree.py", "--orgs", sized(a, "2000", "10000"), "--people", sized(a, "50000", "200000")],
            read_subtree,
        ),
        Step(
            "plans",
            lambda a: ["plans.py", "--people", sized(a, "200000", "4600000"), "--rounds", "50"],
            read_plans,
        ),
    ]


def presence_argv(a: argparse.Namespace) -> list[str]:
    viewers, seconds = ("30000", "30") if a.scale == "small" else ("300000", "90")
    url = f"http://127.0.0.1:{a.port + 1}"
    return ["presence.py", "--url", url, "--database-url", a.presence_url, "--viewers", viewers, "--seconds", seconds]


# --- running ---------------------------------------------------------------------------------------------------


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def build_dataset(a: argparse.Namespace, log: Path) -> list[Figure]:
    """A fresh database with the national-shaped demo dataset (1 % of the people at small scale)."""
    a.url = create_database("saptah_runall")
    name = a.url.rsplit("/", 1)[1]
    argv = ["demo", "--scale", "national", "--no-serve"] + (["--people", "46000"] if a.scale == "small" else [])
    env = env_for(a.url)
    t = time.perf_counter()
    with open(log / "dataset.log", "w") as out:
        code = subprocess.call(
            [PY, "-c", "from saptah.cli import main; main()", *argv], env=env, stdout=out, stderr=out
        )
    took = time.perf_counter() - t
    if code:
        raise SystemExit(f"dataset build failed, see {log / 'dataset.log'}")
    print(f"dataset {name} built in {took:.0f} s (load {loadavg()})", flush=True)
    people = "46,000" if a.scale == "small" else "4.6 M"
    return [Figure(f"demo --scale national build ({people} people)", f"{took:,.0f} s", "< 1,615 s (docs)", None)]


def env_for(url: str) -> dict[str, str]:
    env = {**os.environ, "SAPTAH_DATABASE_URL": url}
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def create_database(prefix: str) -> str:
    """A new empty database on the local server; returns its URL."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def cli(url: str, *argv: str, **kw: object) -> subprocess.Popen[bytes]:
    env = {**env_for(url), "SAPTAH_RUN_WORKER_IN_APP": "false"}
    return subprocess.Popen([PY, "-c", "from saptah.cli import main; main()", *argv], env=env, **kw)  # type: ignore[call-overload]


def with_presence_server(a: argparse.Namespace, log: Path, run: Callable[[], int]) -> int:
    """presence.py needs a running `saptah serve` and `saptah worker` on a throwaway database of its own."""
    a.presence_url = create_database("saptah_runall_presence")
    out = open(log / "presence-server.log", "w")  # noqa: SIM115 (open while the servers run)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        if cli(a.presence_url, "db", "upgrade", stdout=out, stderr=out).wait():
            return 1
        procs.append(cli(a.presence_url, "serve", "--port", str(a.port + 1), stdout=out, stderr=out))
        procs.append(cli(a.presence_url, "worker", stdout=out, stderr=out))
        time.sleep(8)
        return run()
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        out.close()
        drop_database(a.presence_url)


def run_step(step: Step, a: argparse.Namespace, log: Path) -> tuple[list[Figure], float, str]:
    t = time.perf_counter()
    before = loadavg()
    path = log / f"{step.name}.log"

    def run() -> int:
        with open(path, "w") as out:
            return subprocess.call(
                [PY, "-u", str(HERE / step.argv(a)[0]), *step.argv(a)[1:]],
                cwd=HERE,
                env=env_for(a.url or ""),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    code = with_presence_server(a, log, run) if step.name == "presence" else run()
    output = path.read_text() if path.exists() else ""
    figures = step.read(output) if code == 0 else []
    if code or not figures:
        figures.append(Figure(f"{step.name}: run failed (exit {code}), see {path}", "", "", False))
    return figures, time.perf_counter() - t, before


def table(rows: list[tuple[str, Figure]]) -> str:
    out = ["| bench | figure | value | target | met |", "|---|---|---|---|---|"]
    for bench, f in rows:
        met = "—" if f.met is None else ("**yes**" if f.met else "no")
        out.append(f"| {bench} | {f.figure} | {f.value} | {f.target} | {met} |")
    return "\n".join(out)


def reprint(folder: Path) -> None:
    """The table of an earlier run, read again from its logs (after a reader changed, say)."""
    rows = [
        (step.name, f)
        for step in steps()
        if (folder / f"{step.name}.log").exists()
        for f in step.read((folder / f"{step.name}.log").read_text())
    ]
    print(f"Saptah figures read again from {folder}\n")
    print(table(rows))
    met = [f.met for _b, f in rows if f.met is not None]
    print(f"\n{sum(met)} of {len(met)} targets met")


def main() -> None:
    """Build what is needed, run every bench, print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("small", "national"), default="small")
    ap.add_argument("--url", help="an existing national-shaped demo database (else one is built)")
    ap.add_argument("--only", help="comma-separated bench names: " + ", ".join(s.name for s in steps()))
    ap.add_argument("--port", type=int, default=8131, help="the benches' servers use this port and the next")
    ap.add_argument("--log", default=None, help="folder for each bench's full output")
    ap.add_argument("--from-logs", default=None, help="print the table again from an earlier run's log folder")
    a = ap.parse_args()
    if a.from_logs:
        reprint(Path(a.from_logs))
        return
    wanted = set(a.only.split(",")) if a.only else {s.name for s in steps()}
    log = Path(a.log or f"/tmp/saptah-run-all-{time.strftime('%Y%m%d-%H%M%S')}")
    log.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = (
        f"{git('rev-parse', '--short', 'HEAD')}{' (with uncommitted changes)' if git('status', '--porcelain') else ''}"
    )
    first_load = loadavg()
    print(f"run_all --scale {a.scale}: {started}, commit {head}, {os.cpu_count()} cores, load {first_load}", flush=True)
    rows: list[tuple[str, Figure]] = []
    needs_data = wanted & {"boards", "dashboards", "presence"}
    if needs_data and not a.url:
        rows += [("dataset", f) for f in build_dataset(a, log)]
    for step in steps():
        if step.name not in wanted:
            continue
        print(f"{step.name} ...", flush=True)
        figures, took, before = run_step(step, a, log)
        print(f"{step.name}: {took:.0f} s, load before {before}, after {loadavg()}", flush=True)
        rows += [(step.name, f) for f in figures]
    print()
    print(f"Saptah figures, --scale {a.scale}: {started}, commit {head}, {os.cpu_count()} cores; load average")
    print(f"{first_load} at the start, {loadavg()} at the end; full outputs in {log}")
    print()
    print(table(rows))
    met = [f.met for _b, f in rows if f.met is not None]
    print(f"\n{sum(met)} of {len(met)} targets met")


if __name__ == "__main__":
    main()
