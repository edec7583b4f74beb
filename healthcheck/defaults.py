"""Every default in one place, each with the reason it has that value."""

from __future__ import annotations

#: Successes are cached just under a 30 s monitoring interval (py-healthcheck's value): each poll
#: of haproxy, monit or a probe sees a fresh run, while a burst of requests shares one.
SUCCESS_TTL: float = 27

#: Failures are cached briefly so a dependency that recovers shows as healthy within ~10 s,
#: while a flood of requests against a failing backend still runs its check at most every 9 s.
FAILED_TTL: float = 9

#: py-healthcheck's default: no per-check time limit. Production users should set one.
ERROR_TIMEOUT: float = 0

#: Threads for synchronous checkers, started as needed and ended after a minute idle. Each
#: check has at most one execution in flight, so this caps how many different checks run side
#: by side: enough that a run of a few hundred checks runs at once (a check's time limit counts
#: from its start, so more only queue, and are never reported late for it). Threads held by
#: checks past their time limit do not count.
MAX_WORKERS: int = 256

#: Seconds an idle check thread waits for work before it exits, so a burst of cold requests
#: leaves no threads behind for long; longer than any cache TTL, so a steady load keeps them.
WORKER_IDLE_TIMEOUT: float = 60

#: The shortest background interval: rounds closer together only burn a core (a round per
#: microsecond did), far more often than any prober asks.
MIN_INTERVAL: float = 0.01

#: How long the environment dump keeps the list of installed packages: reading every
#: package's metadata takes 35-75 ms, and packages do not change under a running process.
PACKAGES_TTL: float = 300

#: How long a check may run before the pool counts its thread as slow and adds one beside it
#: for the checks queued behind: quick checks then share one thread (no hand-off per check),
#: while slow ones get a thread each within a few ticks.
SLOW_TASK: float = 0.001

#: A quick check that spends this long waiting (on a socket, a sleep) rather than computing
#: counts toward its thread's waiting time: once that passes SLOW_TASK, a thread is added, so
#: checks of under a millisecond that wait on I/O do not run one after another. Shorter waits
#: are the interpreter's lock changing hands, which more threads would not help.
WAITING_TASK: float = 0.0002

#: The share of one core the process may have used since the pool last looked for it to add
#: threads: above it, the process is computing (checks, or the application itself), and more
#: threads would only wait for the interpreter lock. Half a core: a process whose checks wait on
#: backends uses far less, and one measured over a millisecond or two is never near a whole.
BUSY_SHARE: float = 0.5
#: The shortest span over which that share is measured, in seconds.
BUSY_WINDOW: float = 0.01

#: While the process computes, how long a check must have run for the pool to add a thread
#: beside it: well past the few milliseconds the interpreter lock stretches a quick check, so
#: only checks waiting on a backend count.
BUSY_SLOW_TASK: float = 0.02

#: How often the pool looks whether queued checks need more threads.
POOL_TICK: float = 0.001

#: How long the environment dump keeps its built-in sections (and plain values) before reading
#: them again: the process figures move slowly, and reading and masking them per request cost
#: over a millisecond. 0 reads them on every request.
ENVIRONMENT_REFRESH: float = 10

#: How often a caller waiting for a check that waits for a free thread looks again: time limits
#: count from the start of a check, so until then there is no deadline to wait for.
QUEUED_POLL: float = 0.05


#: The longest duration accepted for a timeout, TTL or interval (a year): well within
#: ``threading.TIMEOUT_MAX``, past which waits overflow. Use 0 or None for "no limit".
MAX_SECONDS: float = 365 * 24 * 3600

#: Longest check output, in characters of JSON: room for an error message with context or a
#: small payload; anything longer is cut with a marker, so one runaway checker cannot make
#: every response megabytes long.
MAX_OUTPUT: int = 16_384
#: The longest log message (or traceback) this package writes, cut before it is masked.
LOG_LIMIT: int = 65_536

#: How often a process waiting for another's run of a shared check looks again (seconds).
SHARE_POLL: float = 0.005
#: ... growing by half each look to at most this: a long run is not polled 100 times a second.
SHARE_POLL_MAX: float = 0.1

#: How many of its last results each check's history keeps (the status page's strip).
HISTORY_SIZE: int = 30

#: Longest custom section (and environment section) in characters of JSON; generous, since
#: ``python.packages`` alone runs to tens of kilobytes in a large virtualenv.
MAX_SECTION: int = 1_048_576

#: What a secret is replaced with (py-healthcheck's mask).
SECRET_MASK: str = "********"  # noqa: S105 - the mask, not a password

#: Media type of the py-healthcheck compatible body.
JSON_HEADERS: dict[str, str] = {"Content-Type": "application/json"}

#: Built-in checks give up on a backend after this many seconds, at the driver level (connect
#: and socket timeouts): a healthy backend on the same network answers in milliseconds, and a
#: probe (Kubernetes' default ``timeoutSeconds`` is 1-10 s) should hear "down", not time out.
CHECK_TIMEOUT: float = 2

#: disk_check: warn when a volume is 80% full and fail at 90%, leaving time to act before
#: writes start failing.
DISK_WARN_PERCENT: float = 80
DISK_FAIL_PERCENT: float = 90

#: memory_check: warn only. Page cache and overcommit make "90% used" normal on many hosts,
#: and failing readiness on memory pressure moves load onto the remaining instances.
MEMORY_WARN_PERCENT: float = 90

#: load_check: warn when the 5-minute load average exceeds 2 per CPU (twice as much runnable
#: work as cores); warn only, for the same cascade reason as memory.
LOAD_WARN_PER_CPU: float = 2
