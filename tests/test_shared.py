"""Results shared between the processes of a host (``HealthCheck(share=...)``): real processes,
real file locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from healthcheck import HealthCheck
from healthcheck._engine.shared import Lock, SharedResults

ROOT = Path(__file__).resolve().parent.parent

#: A process sharing results through SHARE: its check appends its pid to RUNS and sleeps
#: SLEEP seconds; it runs the checks ROUNDS times and prints each run's check timestamp.
WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from healthcheck import HealthCheck

    share, runs, sleep, rounds = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    health = HealthCheck(share=share, success_ttl=1, failed_ttl=1, error_timeout=3)

    def db():
        with open(runs, "a") as file:
            file.write(f"{os.getpid()}\\n")
        time.sleep(sleep)
        return True, f"run by {os.getpid()}"

    health.add_check(db, name="db")
    print("ready", flush=True)
    sys.stdin.readline()  # all start together
    for _ in range(rounds):
        body = json.loads(health.run()[0])
        print(json.dumps(body["results"][0]), flush=True)
        time.sleep(0.05)
    """
)


def start(tmp_path: Path, sleep: float, rounds: int) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "share"), str(tmp_path / "runs"),
         str(sleep), str(rounds)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def go(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()


def test_four_processes_run_a_check_once_and_answer_the_same_result(tmp_path: Path) -> None:
    workers = [start(tmp_path, sleep=0.3, rounds=3) for _ in range(4)]
    go(workers)
    outputs = [w.communicate(timeout=30)[0].splitlines() for w in workers]
    runs = (tmp_path / "runs").read_text().split()
    # Three quick rounds within one 1 s TTL: one run on the host, not one per process.
    assert len(runs) == 1, runs
    results = [json.loads(line) for lines in outputs for line in lines]
    assert len(results) == 12
    assert len({r["timestamp"] for r in results}) == 1  # the very same result everywhere
    assert {r["output"] for r in results} == {f"run by {runs[0]}"}


def test_a_holder_killed_with_sigkill_is_replaced_within_one_timeout(tmp_path: Path) -> None:
    holder = start(tmp_path, sleep=60, rounds=1)  # hangs in its check, holding the lock
    go([holder])
    deadline = time.monotonic() + 10
    while not (tmp_path / "runs").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=10)
    other = start(tmp_path, sleep=0, rounds=1)
    began = time.monotonic()
    go([other])
    (line,) = other.communicate(timeout=30)[0].splitlines()
    result = json.loads(line)
    # The kernel let go of the dead holder's lock: the other process ran the check itself.
    assert result["passed"] is True and result["output"] == f"run by {other.pid}"
    assert time.monotonic() - began < 3 + 5  # one check timeout (3 s), and start-up slack
    assert (tmp_path / "runs").read_text().split() == [str(holder.pid), str(other.pid)]
    # Nothing is left behind but each check's lock and latest result.
    assert sorted(p.suffix or p.name for p in (tmp_path / "share").iterdir()) == [
        ".json",
        ".lock",
        "generation",
    ]


def test_a_process_waiting_for_a_hung_holder_times_out_then_tries_again(
    tmp_path: Path,
) -> None:
    holder = start(tmp_path, sleep=60, rounds=1)
    go([holder])
    deadline = time.monotonic() + 10
    while not (tmp_path / "runs").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        health = HealthCheck(share=tmp_path / "share", error_timeout=0.5)
        health.add_check(lambda: (True, "here"), name="db")
        body = json.loads(health.run()[0])
        assert body["results"][0]["output"] == "timed out after 0.5 s"
        assert (tmp_path / "runs").read_text().split() == [str(holder.pid)]  # not run here
    finally:
        holder.kill()
        holder.communicate(timeout=10)
    health.clear_cache()
    assert json.loads(health.run()[0])["results"][0]["output"] == "here"  # the lock is free


def test_a_forked_child_does_not_keep_its_parents_lock(tmp_path: Path) -> None:
    shared = SharedResults(tmp_path)
    assert shared.try_lock("db") is Lock.TAKEN
    ready, told = os.pipe()
    child = os.fork()
    if child == 0:  # the child: forget the parent's lock (as at every fork), then linger
        shared.after_fork()
        os.write(told, b"x")
        time.sleep(2)
        os._exit(0)
    try:
        os.read(ready, 1)
        shared.unlock("db")
        other = SharedResults(tmp_path)
        assert other.try_lock("db") is Lock.TAKEN  # free although the child still lives
        other.unlock("db")
    finally:
        os.waitpid(child, 0)
        os.close(ready)
        os.close(told)


def test_a_damaged_or_foreign_result_file_is_run_again(tmp_path: Path) -> None:
    health = HealthCheck(share=tmp_path)
    health.add_check(lambda: (True, "mine"), name="db")
    health.run()
    (result_file,) = tmp_path.glob("*.json")
    for text in ["{", "[]", json.dumps({"checker": "db"}), json.dumps({"checker": "other",
                 "status": "pass", "output": "x", "timestamp": time.time(),
                 "expires": time.time() + 60, "response_time": 0})]:  # fmt: skip
        result_file.write_text(text)
        health.clear_cache()
        assert json.loads(health.run()[0])["results"][0]["output"] == "mine"


@pytest.mark.parametrize("bad", [42, ["a"]])
def test_share_must_be_a_path(bad: object) -> None:
    with pytest.raises(TypeError, match="share must be a directory path"):
        HealthCheck(share=bad)  # type: ignore[arg-type]


def test_share_must_be_this_users_and_writable_by_no_one_else(tmp_path: Path) -> None:
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    with pytest.raises(ValueError, match="must belong to this user and be writable by no one"):
        HealthCheck(share=open_to_all)
    # The marker is never followed through a link a local user planted.
    planted = tmp_path / "planted"
    planted.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (planted / "generation").symlink_to(victim)
    with pytest.raises(OSError):
        HealthCheck(share=planted)
    assert victim.read_text() == "precious"


def test_share_must_be_a_writable_directory(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(ValueError, match="share: cannot make the directory"):
        HealthCheck(share=a_file / "below")
    with pytest.raises(ValueError, match="is not a directory this process can write"):
        HealthCheck(share=a_file)


def test_a_check_about_the_process_itself_runs_in_each(tmp_path: Path) -> None:
    runs = {"db": 0, "threads": 0}

    def counted(name: str) -> tuple[bool, str]:
        runs[name] += 1
        return True, name

    # Two HealthChecks on one directory behave as two processes: their locks are their own.
    for _ in range(2):
        health = HealthCheck(share=tmp_path)
        health.add_check(lambda: counted("db"), name="db")
        health.add_check(lambda: counted("threads"), name="threads", shared=False)
        assert health.run()[1] == 200
    assert runs == {"db": 1, "threads": 2}
    assert [p.name.split("-")[0] for p in sorted(tmp_path.glob("*.json"))] == ["db"]
    with pytest.raises(TypeError, match="shared must be True or False"):
        HealthCheck().add_check(lambda: (True, ""), shared="no")  # type: ignore[arg-type]


def two_processes(tmp_path: Path, **options: object) -> tuple[HealthCheck, HealthCheck]:
    """Two HealthChecks on one directory behave as two processes: their locks are their own."""
    made = []
    for _ in range(2):
        made.append(HealthCheck(share=tmp_path, **options))  # type: ignore[arg-type]
    return made[0], made[1]


def counted_pair(tmp_path: Path, **options: object) -> tuple[HealthCheck, HealthCheck, list[int]]:
    """Two "processes" with one check, ``db``, whose runs (in either) are counted."""
    first, second = two_processes(tmp_path, **options)
    runs: list[int] = []
    for health in (first, second):
        health.add_check(lambda: (runs.append(1) or True, "ok"), name="db")
    return first, second, runs


def test_checks_of_one_name_share_nothing_with_each_other(tmp_path: Path) -> None:
    first, second = two_processes(tmp_path)
    for health in (first, second):
        health.add_check(lambda: (True, "up"))
        health.add_check(lambda: (False, "down"))  # another <lambda>: its own result
    assert first.run()[1] == 500 and second.run()[1] == 500
    outputs = [r["output"] for r in json.loads(second.run()[0])["results"]]
    assert outputs == ["up", "down"]


def test_a_result_lives_no_longer_here_than_this_processs_ttl(tmp_path: Path) -> None:
    first, second, runs = counted_pair(tmp_path, success_ttl=1)
    first.run()
    (published,) = tmp_path.glob("*.json")
    data = json.loads(published.read_text())
    data["expires"] = data["timestamp"] + 3600  # a writer's clock, or a forger, says an hour
    published.write_text(json.dumps(data))
    second.run()
    assert len(runs) == 1  # taken up while fresh...
    time.sleep(1.1)
    second.clear_cache()
    second.run()
    assert len(runs) == 2  # ...for this process's 1 s, not the file's hour


def test_a_result_from_the_future_is_not_believed(tmp_path: Path) -> None:
    first, second, runs = counted_pair(tmp_path)
    first.run()
    (published,) = tmp_path.glob("*.json")
    data = json.loads(published.read_text())
    data["timestamp"] += 3600  # the clock stepped back an hour since it was written
    data["expires"] += 3600
    published.write_text(json.dumps(data))
    second.run()
    assert len(runs) == 2


@pytest.mark.parametrize(
    "content", ["[" * 100_000, '{"checker": "db", "output": NaN}', "x" * 5_000_000]
)
def test_a_malformed_result_file_never_wedges_a_check(tmp_path: Path, content: str) -> None:
    health = HealthCheck(share=tmp_path, error_timeout=1)
    health.add_check(lambda: (True, "mine"), name="db")
    health.run()
    (published,) = tmp_path.glob("*.json")
    published.write_text(content)
    health.clear_cache()
    assert json.loads(health.run()[0])["results"][0]["output"] == "mine"


def test_a_vanished_directory_is_made_again_or_the_checks_run_unshared(tmp_path: Path) -> None:
    import shutil

    share = tmp_path / "share"
    health = HealthCheck(share=share, error_timeout=1)
    health.add_check(lambda: (True, "ok"), name="db")
    health.run()
    shutil.rmtree(share)  # a tmp cleaner, or an old master's on_exit
    health.clear_cache()
    assert health.run()[1] == 200 and share.is_dir()  # made again
    share_parent = tmp_path / "gone"
    blocked = HealthCheck(share=share_parent / "share", error_timeout=0)  # no time limit at all
    blocked.add_check(lambda: (True, "ok"), name="db")
    shutil.rmtree(share_parent)
    share_parent.write_text("a file where the directory was: it cannot be made again")
    done: list[int] = []
    thread = __import__("threading").Thread(target=lambda: done.append(blocked.run()[1]))
    thread.start()
    thread.join(5)
    assert done == [200]  # ran here, unshared, instead of waiting for ever


def test_remove_share_on_exit_removes_only_what_healthcheck_made(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from healthcheck.integrations.gunicorn import remove_share_on_exit

    share = tmp_path / "run"
    health = HealthCheck(share=share)
    health.add_check(lambda: (True, "ok"), name="db")
    health.run()
    hook = remove_share_on_exit(share)
    upgrading = SimpleNamespace(reexec_pid=1234, master_pid=0)
    hook(upgrading)  # the old master of a USR2 upgrade: the new one goes on using it
    assert any(share.iterdir())
    (share / "notes.txt").write_text("not healthcheck's")
    hook(SimpleNamespace(reexec_pid=0, master_pid=0))
    assert [p.name for p in share.iterdir()] == ["notes.txt"]  # the rest stays, and the dir
    (share / "notes.txt").unlink()
    hook(SimpleNamespace(reexec_pid=0, master_pid=0))
    assert not share.exists()


def test_with_a_ttl_of_zero_waiters_take_up_the_run_they_waited_for(tmp_path: Path) -> None:
    import threading

    runs: list[int] = []
    answers: list[int] = []

    def slow() -> tuple[bool, str]:
        runs.append(1)
        time.sleep(0.6)
        return True, "ok"

    healths = [HealthCheck(share=tmp_path, success_ttl=0, failed_ttl=0, error_timeout=1)
               for _ in range(4)]  # fmt: skip
    for health in healths:
        health.add_check(slow, name="db")
    threads = [threading.Thread(target=lambda h=h: answers.append(h.run()[1])) for h in healths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [200] * 4  # not queued one after another into "timed out"
    assert len(runs) == 1


def test_removing_a_check_does_not_renumber_the_others_of_its_name(tmp_path: Path) -> None:
    first, second = two_processes(tmp_path)
    for health in (first, second):
        health.add_check(lambda: (True, "up"))
        health.add_check(lambda: (False, "down"))
    assert first.run()[1] == 500
    del second.checkers[0]  # its "down" lambda is still the second of its name
    body, status, _ = second.run()
    assert status == 500 and [r["output"] for r in json.loads(body)["results"]] == ["down"]


def test_a_directory_swapped_in_at_the_path_is_never_believed(tmp_path: Path) -> None:
    import shutil

    share = tmp_path / "share"
    health = HealthCheck(share=share, error_timeout=1)
    health.add_check(lambda: (False, "really down"), name="db")
    health.run()
    (published,) = share.glob("*.json")
    forged = json.loads(published.read_text())
    forged.update(status="pass", output="forged", timestamp=time.time(), expires=time.time() + 60)
    share.rename(tmp_path / "moved")
    share.mkdir()
    share.chmod(0o777)  # another local user's, open to all
    (share / published.name).write_text(json.dumps(forged))
    health.clear_cache()
    assert json.loads(health.run()[0])["results"][0]["output"] == "really down"
    shutil.rmtree(tmp_path / "moved")  # the directory it opened is gone: made again? No: the
    health.clear_cache()  # path now holds one open to all, which is refused: runs unshared
    assert json.loads(health.run()[0])["results"][0]["output"] == "really down"


@pytest.mark.parametrize("clearing", [0, 1])  # the process that ran the check, or the other
def test_clear_cache_in_one_process_clears_them_all(tmp_path: Path, clearing: int) -> None:
    first, second, runs = counted_pair(tmp_path)
    clearer, other = (first, second) if clearing == 0 else (second, first)
    first.run()
    second.run()
    assert len(runs) == 1
    clearer.clear_cache()
    clearer.run()  # runs the shared check again
    assert len(runs) == 2
    other_result = json.loads(other.run()[0])["results"][0]
    clearer_result = json.loads(clearer.run()[0])["results"][0]
    assert len(runs) == 2  # the other took up the clearer's new run, not its old result
    assert other_result["timestamp"] == clearer_result["timestamp"]


def test_an_open_directory_is_refused_with_what_to_do(tmp_path: Path) -> None:
    mount = tmp_path / "emptydir"
    mount.mkdir()
    mount.chmod(0o777)  # as a Kubernetes emptyDir is
    with pytest.raises(ValueError, match="such as a new one below this"):
        HealthCheck(share=mount)
    assert HealthCheck(share=mount / "app").run()[1] == 200  # a directory of its own below it
