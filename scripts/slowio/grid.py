"""Grid files: a grid is a list of series (server configurations), each run at a list of concurrency levels.

Grid format::

    {"name": "...", "description": "...",
     "defaults": {<series fields>},
     "series": [{<series fields>, "concurrency": [1, 10, ...]}, ...]}

A series field is set by the series, else by the grid's defaults, else by Series' own default; command-line
overrides replace all three. ``expand_points`` turns a grid into Points, in run order.

Any server is a target: a series with ``"server": "command"`` names its server by an argv template in
``"command"`` (split on whitespace), whose placeholders are filled per point: ``{port}`` (0: the server must
print ``listening on 127.0.0.1:PORT`` first), ``{latency_ms}``, ``{threads}``, ``{users}``,
``{max_connections}``, ``{build_dir}`` (the sweep's --build-dir), ``{source_dir}`` (this repository's root, where a
script target such as bench/targets/threading_http/ lives), ``{store}``, and for a ``"store": "postgres"``
series ``{pg_url}`` (the run's PostgreSQL) and ``{db_pool}`` (its pool P); ``{name=default}`` forms are accepted as in
the contract tests; ``extra_server_args`` are appended. Such a series must
declare the capacity model it is judged by (``"bound_model"``: sync = N threads, async = C, elastic = the
scraped thread curve, blocking = K).

``"min_threads": 0`` on an elastic series means "the server's own default": server_sync (as .NET) then starts
with one thread per usable core (sched_getaffinity), and the sweep does not pass ``--min-threads``.

``"threads"`` may be a list: the series is repeated once per value (the pool-size axis), and a
``{threads}`` in its label is replaced by the value.

``"scenario"`` names what a series is for in the report ("" for the main comparison; "pool_size", "heatmap",
"queue_limit", "recovery", "cpu_work": slowio.claims reads them; "database": the real-database section,
drawn in database.png) and is written to summary.csv.

Request classes: a series with ``"classes"`` runs one loadgen per class against one server on one timeline
(same start, warm-up and window), each with its own statistics; summary.csv gets one row per class. A class
is ``{"name": "work", "method": "POST", "path": "/work?n=6000000", "connections": 8, "rate": 40}`` (rate > 0:
open loop at that many requests/s; 0: closed loop; a POST /work or /jobs class may add ``"work_ms": 20``, the
CPU one request should cost here: its n is then scaled on each point's idle server). Such a series has no
``concurrency`` list (its one point's concurrency is the classes' connections added up) and may name its
``"cpu_way"`` (inline / offload / jobs).

Pairs: series with the same ``"pair"`` name are compared in the report and dotnet_vs_model.png; a pair is one
command series (".NET", the real runtime) and one of our servers ("our model" of it). ``"repeat": 3`` runs each
point of a series three times in a row (point ids end in -r1, -r2, -r3; summary.csv's ``repetition``): a pair
is then judged over its repetitions (slowio.fidelity), as .NET's hill climbing is random.
``"server_cores": 2`` pins the server to the first two usable cores instead of the sweep's one (loadgen keeps
its own core, which the server then shares); summary.csv's ``server_cores`` says what each point had.

Clients that give up and retry, loads that change (loadgen's --retries, --retry-backoff, --stages):
``"retries": 3, "retry_backoff": "exponential:200:1500"`` resend a request that timed out or got a 503;
``"stages": [{"duration_s": 5, "target": 5}, {"duration_s": 5, "target": 500}, ...]`` hold that many
connections for each step (closed loop): such a series has no ``concurrency`` (its one point's is the peak
target), its duration is the steps' sum and its window that sum minus ``warmup_s`` (scenario "burst": warm-up 0,
the whole run, because slowio.burst analyses it over time).

Steady states: ``"overload_warmup_s"`` is the warm-up of a point whose requests need longer than the client
timeout in the closed loop's queue (queued_response_s: ceil(C / capacity) x L > timeout_s, capacity N for a
fixed pool, its minimum for an elastic one): it must exceed timeout_s, so the window starts after the first
timeouts, in the state that clients who give up leave the server in, not in the transient before it.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from . import InputError

ANTIPATTERNS = ("none", "blocking-store", "sync-over-async", "offload")
SYNC_ANTIPATTERNS = ("none", "sync-over-async", "offload")  # server_sync --antipattern
STORES = ("sim", "postgres", "sqlite")  # --store; sqlite: the ASP.NET Core target's EF Core store (command series)
DEFAULT_DB_POOL = 100  # the servers' --db-pool default (Npgsql's and SqlClient's Max Pool Size)
SCENARIOS = ("", "pool_size", "heatmap", "queue_limit", "recovery", "cpu_work", "burst", "database")
CPU_WAYS = ("", "inline", "offload", "jobs")
CLASS_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# The rounds of CPU work in a POST /work or /jobs path.
CPU_N_RE = re.compile(r"[?&]n=(\d+)")
RETRY_BACKOFF_RE = re.compile(r"^(none|exponential:\d+(:\d+)?)$")  # loadgen --retry-backoff


@dataclass
class RequestClass:
    """One kind of request of a multi-class point, with its own loadgen and its own statistics."""

    name: str
    path: str
    connections: int
    method: str = "GET"
    rate: float = 0.0        # > 0: open loop at this many requests/s in total; 0: closed loop
    body: str | None = None
    # POST /work or /jobs only: what one request should cost, in ms of CPU on this machine. The path's n= is then
    # a first guess that the sweep scales on each point's idle server (point.calibrate_cpu_work), so the CPU
    # load offered is the same fraction of a core on a fast box and a slow one.
    work_ms: float | None = None

    @property
    def route(self) -> str:
        """The path without its query."""
        return self.path.split("?")[0]

    @property
    def sends_cpu_work(self) -> bool:
        """POST /work or POST /jobs: the class whose n rounds of CPU work the point is about."""
        return self.method == "POST" and self.route in ("/work", "/jobs")


@dataclass
class Stage:
    """One step of a load that changes (loadgen --stages): ``target`` connections held for ``duration_s``."""

    duration_s: float
    target: int


def stages_text(stages: list[Stage]) -> str:
    """Stages as loadgen's --stages spells them: '5000ms:5,5000ms:500,10000ms:5'."""
    return ",".join(f"{int(round(st.duration_s * 1000))}ms:{st.target}" for st in stages)


FORCED_BOUND_MODELS = ("sync", "async", "blocking", "elastic")


@dataclass
class Series:
    """One server configuration of a grid (its fields are the grid file's keys, in grid.json's order)."""

    label: str | None = None           # legend / report name; derived when absent
    server: str | None = None          # "sync" | "async" | "command" (required)
    command: str | None = None         # command: the server's argv template (see the module doc)
    model: str = "pool"                # sync: "pool" | "thread-per-connection"; async: "coroutine"
    pool: str = "fixed"                # sync pool: "fixed" | "elastic"
    antipattern: str = "none"          # async: one of ANTIPATTERNS; sync pool: one of SYNC_ANTIPATTERNS
    threads: int = 1                   # N (sync fixed / thread-per-connection) or K (async)
    min_threads: int | None = None     # sync elastic (0 = the server's default: usable cores)
    max_threads: int | None = None     # sync elastic
    queue_limit: int = 0               # sync: 0 = unbounded
    deadlock_exit: bool = False        # sync, async: pass --deadlock-exit
    expect: str = "ok"                 # "ok" or "deadlock" (what the regression gate and report expect)
    bound_model: str | None = None     # force the capacity model (FORCED_BOUND_MODELS); None: derived
    pair: str | None = None            # compared with the other series of this pair (command = .NET, ours = model)
    optional: bool = False             # command: skipped (not an error) when its program or build output is missing
    latency_ms: int = 2000
    jitter: str = "none"
    warmup_s: float = 2.0
    warmup_per_1k_conns_s: float = 0.0  # extra warm-up per 1,000 connections: covers the connect ramp
    window_s: float = 8.0
    timeout_s: float = 10.0
    users: int = 10000
    max_connections: int = 18000       # below the 20,000 descriptor limit, so the server answers 503, not EMFILE
    loadgen_threads: int = 1
    path: str = "/users/{rand:1..USERS}"
    extra_server_args: list[str] = field(default_factory=list)
    extra_loadgen_args: list[str] = field(default_factory=list)
    concurrency: list[int] = field(default_factory=list)
    scenario: str = ""                 # what the series is for in the report (SCENARIOS)
    cpu_way: str = ""                  # cpu_work: how POST /work's CPU work is done (CPU_WAYS)
    classes: list[RequestClass] = field(default_factory=list)  # several request classes, one loadgen each
    retries: int = 0                   # loadgen --retries: resends after a timeout or a 503
    retry_backoff: str = "none"        # loadgen --retry-backoff (with retries > 0)
    stages: list[Stage] = field(default_factory=list)  # loadgen --stages (closed loop); window = sum - warm-up
    overload_warmup_s: float | None = None  # warm-up of a point queued past the client timeout (module doc)
    store: str = "sim"                 # "sim" | "postgres" (--store; a command series passes {store}) | "sqlite" (command)
    db_pool: int | None = None         # store postgres: --db-pool P (None: the servers' default, DEFAULT_DB_POOL)
    server_cores: int | None = None    # cores the server is pinned to (None: the sweep's plan, one core)
    repeat: int = 1                    # each point run this many times, one after another (point id suffix -rK)


SERIES_FIELDS = tuple(f.name for f in fields(Series))


@dataclass
class Grid:
    """A validated grid: its name, description and series."""

    name: str
    description: str
    series: list[Series]

    def as_json(self) -> str:
        """The expanded grid as run (grid.json)."""
        return json.dumps({"name": self.name, "description": self.description,
                           "series": [asdict(s) for s in self.series]}, indent=2) + "\n"


@dataclass
class Point:
    """One sweep point: a series at one concurrency level."""

    index: int
    series: Series
    concurrency: int
    id: str = ""
    repetition: int = 1  # 1..series.repeat

    @property
    def past_timeout(self) -> bool:
        """Its requests need longer than the client timeout in the closed loop's queue (module doc)."""
        cap = start_capacity(self.series)
        return cap is not None and queued_response_s(self.concurrency, cap, self.series.latency_ms) > \
            self.series.timeout_s

    @property
    def warmup_s(self) -> float:
        """Warm-up of this point: the series' warm-up plus its per-1,000-connections extra (connect ramp), or
        its overload_warmup_s when it is queued past the client timeout."""
        s = self.series
        base = s.warmup_s + s.warmup_per_1k_conns_s * self.concurrency / 1000.0
        if s.overload_warmup_s is not None and self.past_timeout:
            return max(base, s.overload_warmup_s)
        return base

    @property
    def duration_s(self) -> float:
        """The whole loadgen run, warm-up included (with stages: their sum)."""
        if self.series.stages:
            return sum(st.duration_s for st in self.series.stages)
        return self.warmup_s + self.series.window_s


def usable_cores() -> int:
    """The cores this process may run on (sched_getaffinity), as .NET and server_sync count them for their
    default minimum of pool threads."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def queued_response_s(concurrency: float, capacity: float, latency_ms: float) -> float:
    """The response time of a closed loop of C connections queued FIFO for ``capacity`` workers: ceil(C / N) x L
    (seconds); a request still queued when the client timeout is shorter than this times out."""
    return math.ceil(concurrency / max(1.0, capacity)) * latency_ms / 1000.0


def start_capacity(s: Series) -> float | None:
    """The requests a series' server holds in the store at once when the load starts (a pool's N, an elastic
    pool's minimum, blocking-store's K); None where waiting costs no thread (async)."""
    elastic = s.pool == "elastic" or s.bound_model == "elastic"
    if elastic:
        return float(s.min_threads or usable_cores())
    if s.server == "sync" or s.bound_model in ("sync", "blocking") or s.antipattern == "blocking-store":
        return float(s.threads)
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Placeholders a command template may use: filled from the series and the point.
COMMAND_PLACEHOLDERS = ("port", "latency_ms", "threads", "users", "max_connections", "build_dir", "source_dir",
                        "store", "pg_url", "db_pool")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)(?:=([^}]*))?\}")


def command_argv(template: str, values: dict[str, Any]) -> list[str]:
    """The argv of a command template with its placeholders filled from ``values`` (else their defaults)."""
    def fill(m: re.Match) -> str:
        name, default = m.group(1), m.group(2)
        if name in values:
            return str(values[name])
        if default is not None:
            return default
        raise InputError(f"command placeholder {{{name}}} has no value")
    return [PLACEHOLDER_RE.sub(fill, word) for word in template.split()]


def series_label(s: Series) -> str:
    """A short human name for a series when the grid gives none, e.g. 'sync fixed N=10'; a postgres series
    adds its pool, e.g. 'async K=1 pg P=100'."""
    base = _base_label(s)
    return base + (f" pg P={effective_db_pool(s)}" if s.store == "postgres" else "")


def effective_db_pool(s: Series) -> int:
    """The pool a postgres series' server runs with (its db_pool, or the servers' default)."""
    return int(s.db_pool or DEFAULT_DB_POOL)


def _base_label(s: Series) -> str:
    if s.server == "sync":
        tag = "" if s.antipattern == "none" else f" {s.antipattern}"
        if s.model == "thread-per-connection":
            return f"sync thread-per-conn N={s.threads}"
        if s.pool == "elastic":
            return f"sync elastic{tag} min={s.min_threads or 'default'}"
        return f"sync fixed{tag} N={s.threads}"
    if s.antipattern != "none":
        return f"async {s.antipattern} K={s.threads}"
    return f"async K={s.threads}"


def series_key(s: Series) -> str:
    """A file-name-safe id for a series, e.g. 'sync-fixed-n10'; extra server flags are part of it, so two
    series that differ only by them get distinct point ids."""
    tag = "" if s.antipattern == "none" or s.cpu_way else "-" + _slug(s.antipattern)  # cpu_way says it
    if s.server == "command":
        key = "cmd-" + _slug(str(s.label))
    elif s.server == "sync":
        if s.model == "thread-per-connection":
            key = f"sync-tpc-n{s.threads}"
        elif s.pool == "elastic":
            key = f"sync-elastic{tag}-min{s.min_threads or 'default'}-max{s.max_threads}"
        else:
            key = f"sync-fixed{tag}-n{s.threads}"
        if s.queue_limit:
            key += f"-q{s.queue_limit}"
    else:
        key = f"async{tag}-k{s.threads}"
    if s.store == "postgres":
        key += f"-pg-p{effective_db_pool(s)}"
    if s.extra_server_args:
        key += "-" + _slug("-".join(str(a).lstrip("-") for a in s.extra_server_args))
    if s.cpu_way:
        key += "-" + s.cpu_way
    if s.retries:
        key += f"-retries{s.retries}"
    if s.scenario:
        key = _slug(s.scenario) + "-" + key
    return key


def _validate_kind(s: dict[str, Any], where: str) -> None:
    """Server, model, pool, antipattern, expect and bound_model; fills the elastic pool's and async's fields."""
    if s["server"] not in ("sync", "async", "command"):
        raise InputError(f"{where}: 'server' must be 'sync', 'async' or 'command', got {s['server']!r}")
    if not isinstance(s["optional"], bool):
        raise InputError(f"{where}: 'optional' must be true or false")
    if s["optional"] and s["server"] != "command":
        raise InputError(f"{where}: 'optional' applies to command series only (our servers are always built)")
    if s["server"] == "command":
        _validate_command(s, where)
    elif s["command"] is not None:
        raise InputError(f"{where}: 'command' applies to \"server\": \"command\" only")
    elif s["server"] == "sync":
        if s["model"] not in ("pool", "thread-per-connection"):
            raise InputError(f"{where}: sync 'model' must be 'pool' or 'thread-per-connection'")
        if s["pool"] not in ("fixed", "elastic"):
            raise InputError(f"{where}: sync 'pool' must be 'fixed' or 'elastic'")
        if s["antipattern"] not in SYNC_ANTIPATTERNS:
            raise InputError(f"{where}: sync 'antipattern' must be {' or '.join(SYNC_ANTIPATTERNS)}, "
                             f"got {s['antipattern']!r}")
        if s["antipattern"] == "sync-over-async" and s["model"] != "pool":
            raise InputError(f"{where}: sync 'antipattern' sync-over-async applies to model 'pool' only")
        if s["pool"] == "elastic":
            _validate_elastic(s, where)
    else:
        s["model"], s["pool"] = "coroutine", ""
        if s["antipattern"] not in ANTIPATTERNS:
            raise InputError(f"{where}: unknown antipattern {s['antipattern']!r}")
    if s["expect"] not in ("ok", "deadlock"):
        raise InputError(f"{where}: 'expect' must be 'ok' or 'deadlock'")
    if s["bound_model"] not in (None, *FORCED_BOUND_MODELS):
        raise InputError(f"{where}: 'bound_model' must be {'|'.join(FORCED_BOUND_MODELS)}")


def _validate_elastic(s: dict[str, Any], where: str) -> None:
    """min_threads (absent or 0: the server's default, usable cores) and max_threads (default 1000)."""
    try:
        s["min_threads"] = int(s["min_threads"] if s["min_threads"] is not None else 0)
        s["max_threads"] = int(s["max_threads"] if s["max_threads"] is not None else 1000)
    except (TypeError, ValueError):
        raise InputError(f"{where}: 'min_threads' and 'max_threads' must be integers") from None
    if s["min_threads"] < 0 or s["max_threads"] < max(1, s["min_threads"]):
        raise InputError(f"{where}: need 0 <= min_threads <= max_threads, max_threads >= 1 "
                         "(min_threads 0: the server's default)")


def _validate_command(s: dict[str, Any], where: str) -> None:
    """A command series: a template with known placeholders, and the bound model it declares."""
    if not isinstance(s["command"], str) or not s["command"].split():
        raise InputError(f"{where}: a command series needs 'command', the server's argv template")
    for name, default in PLACEHOLDER_RE.findall(s["command"]):
        if name not in COMMAND_PLACEHOLDERS and not default:
            raise InputError(f"{where}: unknown placeholder {{{name}}} in 'command' "
                             f"(known: {', '.join(COMMAND_PLACEHOLDERS)}; or give a default: {{{name}=...}})")
    if "{port}" not in s["command"]:
        raise InputError(f"{where}: 'command' must pass {{port}} (the sweep starts every server on port 0)")
    if s["bound_model"] is None:
        raise InputError(f"{where}: a command series must declare 'bound_model' ({'|'.join(FORCED_BOUND_MODELS)})")
    if not s["label"]:
        raise InputError(f"{where}: a command series needs a 'label' (its name in the summary, plots and report)")
    # Flags the sweep passes to our own servers only: a command series puts what it needs in its template.
    for key, default in (("antipattern", "none"), ("jitter", "none"), ("queue_limit", 0), ("deadlock_exit", False),
                         ("model", "pool"), ("pool", "fixed")):
        if s[key] != default:
            raise InputError(f"{where}: '{key}' does not apply to a command series (put it in 'command')")
    if s["bound_model"] == "elastic":
        if s["min_threads"] is None:
            raise InputError(f"{where}: an elastic command series needs 'min_threads' (the bound without a "
                             "scraped threadpool_threads curve; 0: the runtime's default, usable cores)")
        _validate_elastic(s, where)
    s["model"], s["pool"] = "command", ""


def _validate_store(s: dict[str, Any], where: str) -> None:
    """store and db_pool: postgres for our servers and command series (whose template passes {store} and
    {pg_url}), sqlite for command series only (the .NET target's EF Core store); db_pool a positive integer, with
    postgres only."""
    if s["store"] not in STORES:
        raise InputError(f"{where}: 'store' must be {', '.join(STORES)}, got {s['store']!r}")
    if s["store"] == "sqlite" and s["server"] != "command":
        raise InputError(f"{where}: 'store' sqlite applies to command series only (the ASP.NET Core target's)")
    if s["server"] == "command" and s["store"] != "sim":
        needs = ["{store}"] + (["{pg_url}"] if s["store"] == "postgres" else [])
        if any(n not in s["command"] for n in needs):
            raise InputError(f"{where}: a command series with 'store' {s['store']} must pass {' and '.join(needs)} "
                             "in 'command'")
    if s["db_pool"] is None:
        return
    if s["store"] != "postgres":
        raise InputError(f"{where}: 'db_pool' applies to \"store\": \"postgres\" only")
    if not isinstance(s["db_pool"], int) or isinstance(s["db_pool"], bool) or s["db_pool"] < 1:
        raise InputError(f"{where}: 'db_pool' must be a positive integer, got {s['db_pool']!r}")


def _validate_numbers(s: dict[str, Any], where: str) -> None:
    """Integer and float fields converted in place, with their ranges checked."""
    for key in ("threads", "latency_ms", "users", "max_connections", "loadgen_threads", "queue_limit", "repeat"):
        try:
            s[key] = int(s[key])
        except (TypeError, ValueError):
            raise InputError(f"{where}: '{key}' must be an integer, got {s[key]!r}") from None
    if s["threads"] < 1 or s["latency_ms"] < 0 or s["loadgen_threads"] < 1 or s["repeat"] < 1:
        raise InputError(f"{where}: threads, loadgen_threads and repeat must be >= 1, latency_ms >= 0")
    if s["server_cores"] is not None and (not isinstance(s["server_cores"], int) or isinstance(s["server_cores"], bool)
                                          or s["server_cores"] < 1):
        raise InputError(f"{where}: 'server_cores' must be a positive integer (the cores the server is pinned to)")
    for key in ("warmup_s", "warmup_per_1k_conns_s", "window_s", "timeout_s"):
        try:
            s[key] = float(s[key])
        except (TypeError, ValueError):
            raise InputError(f"{where}: '{key}' must be a number, got {s[key]!r}") from None
    if s["window_s"] <= 0 or s["warmup_s"] < 0 or s["timeout_s"] <= 0:
        raise InputError(f"{where}: window_s and timeout_s must be > 0, warmup_s >= 0")
    conc = s["concurrency"]
    if not isinstance(conc, list) or not conc or not all(isinstance(c, int) and c >= 1 for c in conc):
        raise InputError(f"{where}: 'concurrency' must be a non-empty list of positive integers")
    for key in ("extra_server_args", "extra_loadgen_args"):
        if not isinstance(s[key], list) or not all(isinstance(a, str) for a in s[key]):
            raise InputError(f"{where}: '{key}' must be a list of strings")
    if s["pair"] is not None and (not isinstance(s["pair"], str) or not s["pair"].strip()):
        raise InputError(f"{where}: 'pair' must be a non-empty string (the name both series of a pair share)")


def _validate_classes(s: dict[str, Any], where: str) -> None:
    """scenario, cpu_way and the request classes; a class series' concurrency is its connections' sum."""
    if s["scenario"] not in SCENARIOS:
        raise InputError(f"{where}: 'scenario' must be one of {', '.join(repr(x) for x in SCENARIOS)}")
    if s["cpu_way"] not in CPU_WAYS:
        raise InputError(f"{where}: 'cpu_way' must be one of {', '.join(repr(x) for x in CPU_WAYS)}")
    raw = s["classes"]
    if not isinstance(raw, list):
        raise InputError(f"{where}: 'classes' must be a list of request classes")
    if not raw:
        return
    classes, names = [], set()
    for i, c in enumerate(raw):
        if isinstance(c, RequestClass):
            c = asdict(c)
        at = f"{where}: class #{i + 1}"
        if not isinstance(c, dict):
            raise InputError(f"{at} must be an object")
        unknown = sorted(set(c) - {f.name for f in fields(RequestClass)})
        if unknown:
            raise InputError(f"{at}: unknown key(s) {', '.join(unknown)}")
        if not isinstance(c.get("name"), str) or not CLASS_NAME_RE.match(c["name"]) or c["name"] in names:
            raise InputError(f"{at}: 'name' must be a unique lower-case word")
        names.add(c["name"])
        if not isinstance(c.get("path"), str) or not c["path"].startswith("/"):
            raise InputError(f"{at}: 'path' must start with '/'")
        if c.get("method", "GET") not in ("GET", "POST"):
            raise InputError(f"{at}: 'method' must be GET or POST")
        try:
            conns, rate = int(c.get("connections", 0)), float(c.get("rate", 0.0))
        except (TypeError, ValueError):
            raise InputError(f"{at}: 'connections' and 'rate' must be numbers") from None
        if conns < 1 or rate < 0:
            raise InputError(f"{at}: needs connections >= 1 and rate >= 0")
        path = c["path"].replace("USERS", str(s["users"]))
        rc = RequestClass(name=c["name"], path=path, connections=conns, method=c.get("method", "GET"),
                          rate=rate, body=c.get("body"), work_ms=c.get("work_ms"))
        if rc.work_ms is not None:
            if (isinstance(rc.work_ms, bool) or not isinstance(rc.work_ms, (int, float)) or rc.work_ms <= 0
                    or not rc.sends_cpu_work or not CPU_N_RE.search(path)):
                raise InputError(f"{at}: 'work_ms' (a number > 0) is for a POST /work or /jobs class whose path "
                                 f"has n=N")
            rc.work_ms = float(rc.work_ms)
        classes.append(rc)
    total = sum(c.connections for c in classes)
    if s["concurrency"] not in ([], [total]):
        raise InputError(f"{where}: a series with 'classes' has no 'concurrency' (it is the classes' "
                         f"connections added up, {total})")
    s["classes"], s["concurrency"] = classes, [total]


def _validate_stages(s: dict[str, Any], where: str) -> None:
    """The steps of a load that changes: [{duration_s > 0, target >= 0}, ...]; the point's concurrency is the
    peak target (closed loop), so a stages series gives no concurrency list and no request classes."""
    raw = s["stages"]
    if not isinstance(raw, list):
        raise InputError(f"{where}: 'stages' must be a list of {{\"duration_s\": S, \"target\": C}}")
    if not raw:
        return
    stages = []
    for i, st in enumerate(raw):
        st = asdict(st) if isinstance(st, Stage) else st
        ok = isinstance(st, dict) and set(st) == {"duration_s", "target"}
        d, c = (st.get("duration_s"), st.get("target")) if ok else (None, None)
        if not (ok and isinstance(d, (int, float)) and not isinstance(d, bool) and d > 0
                and isinstance(c, int) and not isinstance(c, bool) and c >= 0):
            raise InputError(f"{where}: stage #{i + 1} must be {{\"duration_s\": > 0, \"target\": connections "
                             f">= 0}}, got {st!r}")
        stages.append(Stage(float(d), c))
    peak = max(st.target for st in stages)
    if peak < 1 or s["classes"]:
        raise InputError(f"{where}: 'stages' need a target >= 1 and no request 'classes'")
    if s["concurrency"] not in ([], [peak]):
        raise InputError(f"{where}: a series with 'stages' has no 'concurrency' (it is their peak, {peak})")
    s["stages"], s["concurrency"] = stages, [peak]


def _validate_client(s: dict[str, Any], where: str) -> None:
    """retries, retry_backoff, overload_warmup_s, and a stages series' window (their sum minus the warm-up)."""
    if isinstance(s["retries"], bool) or not isinstance(s["retries"], int) or s["retries"] < 0:
        raise InputError(f"{where}: 'retries' must be an integer >= 0")
    if not isinstance(s["retry_backoff"], str) or not RETRY_BACKOFF_RE.match(s["retry_backoff"]):
        raise InputError(f"{where}: 'retry_backoff' must be none or exponential:BASE_MS[:CAP_MS]")
    if s["retry_backoff"] != "none" and not s["retries"]:
        raise InputError(f"{where}: 'retry_backoff' needs 'retries' > 0")
    over = s["overload_warmup_s"]
    if over is not None and (isinstance(over, bool) or not isinstance(over, (int, float))
                             or over <= s["timeout_s"] or s["stages"]):
        raise InputError(f"{where}: 'overload_warmup_s' must be a number above timeout_s ({s['timeout_s']:g}), "
                         "and not with 'stages'")
    if s["stages"]:
        total = sum(st.duration_s for st in s["stages"])
        if s["warmup_s"] >= total or s["warmup_per_1k_conns_s"]:
            raise InputError(f"{where}: with 'stages' warmup_s must be below their sum ({total:g} s) and "
                             "warmup_per_1k_conns_s 0")
        s["window_s"] = total - s["warmup_s"]


def _validate_pairs(series: list[Series], where: str) -> None:
    """Each pair name is shared by exactly two series: one command series (.NET) and one of ours (the model)."""
    names: dict[str, list[Series]] = {}
    for s in series:
        if s.pair is not None:
            names.setdefault(s.pair, []).append(s)
    for name, members in names.items():
        commands = [s for s in members if s.server == "command"]
        if len(members) != 2 or len(commands) != 1:
            raise InputError(f"{where}: pair {name!r} needs exactly two series, one \"server\": \"command\" "
                             f"(.NET) and one of ours (the model); got {len(members)} series, "
                             f"{len(commands)} command")


def make_series(fields_: dict[str, Any], where: str = "series") -> Series:
    """A validated Series from grid-file fields (unknown keys are an error)."""
    unknown = sorted(set(fields_) - set(SERIES_FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    s = asdict(Series())
    s.update(copy.deepcopy(fields_))
    if "USERS" in s["path"]:
        s["path"] = s["path"].replace("USERS", str(s["users"]))
    _validate_kind(s, where)
    _validate_store(s, where)
    _validate_classes(s, where)
    _validate_stages(s, where)
    _validate_numbers(s, where)
    _validate_client(s, where)
    series = Series(**s)
    if not series.label:
        series.label = series_label(series)
    return series


def load_grid(path: Path, overrides: dict[str, Any] | None = None) -> Grid:
    """Reads and validates a JSON grid file; ``overrides`` (None values ignored) replace series fields."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise InputError(f"cannot read grid {path}: {e.strerror}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"grid {path}: invalid JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("series"), list) or not raw["series"]:
        raise InputError(f"grid {path}: needs a non-empty 'series' list")
    defaults = raw.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InputError(f"grid {path}: 'defaults' must be an object")
    series = []
    for i, one in enumerate(raw["series"]):
        if not isinstance(one, dict):
            raise InputError(f"grid {path}: series #{i + 1} must be an object")
        chosen = {k: v for k, v in (overrides or {}).items() if v is not None}
        if any(d.get(k) for d in (one, defaults) for k in ("classes", "stages")):
            chosen.pop("concurrency", None)  # a class series' connections are its classes', a stages one's peak
        merged = {**defaults, **one, **chosen}
        values = merged.get("threads")
        if isinstance(values, list):  # the series once per thread count (the pool-size axis)
            if not values:
                raise InputError(f"grid {path}: series #{i + 1}: 'threads' must not be an empty list")
            for t in values:
                label = merged["label"].replace("{threads}", str(t)) if merged.get("label") else None
                series.append(make_series({**merged, "threads": t, "label": label},
                                          f"grid {path}: series #{i + 1} (threads {t})"))
        else:
            series.append(make_series(merged, f"grid {path}: series #{i + 1}"))
    _validate_pairs(series, f"grid {path}")
    return Grid(name=raw.get("name", Path(path).stem), description=raw.get("description", ""), series=series)


def expand_points(grid: Grid, only: str | None = None) -> list[Point]:
    """The grid's points in run order (series by series, as listed); ``only`` selects series by label or id
    (an exact match wins over substring matches)."""
    chosen = grid.series
    if only:
        o = only.lower()
        exact = [s for s in chosen if o in (s.label.lower(), series_key(s))]
        chosen = exact or [s for s in chosen if o in s.label.lower() or o in series_key(s)]
    points: list[Point] = []
    for s in chosen:
        for c in s.concurrency:
            for k in range(1, s.repeat + 1):
                index = len(points) + 1
                rep = f"-r{k}" if s.repeat > 1 else ""
                points.append(Point(index=index, series=s, concurrency=int(c), repetition=k,
                                    id=f"{index:02d}-{series_key(s)}-c{c}{rep}"))
    return points
