"""uvicorn subprocesses on 127.0.0.1 for the benchmarks: start, wait until ready, stop, kill, measure."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
APP = "app.main:create_app"
BARE_APP = "bench.bare_app:create_app"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One uvicorn server (a process group), with the app's settings taken from `env`."""

    app: str = APP
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    # The environment `env` is added to (default: this process's) and the working directory (where a .env
    # file would be read): the browser tests start from neither the developer's settings nor their .env.
    base_env: dict[str, str] | None = None
    cwd: Path = ROOT
    # Where the server's output (uvicorn's log, the app's logging) goes; default: this process's.
    log: Path | None = None
    log_level: str = "warning"

    @property
    def base_url(self) -> str:
        """Where the server listens."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The uvicorn command line: uvloop and httptools (uvicorn[standard]), no access log."""
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            self.log_level,
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]

    def start(self, timeout: float = 60) -> "Server":
        """Start and wait until /readyz answers 200 and every worker process exists."""
        return self.launch().wait(timeout)

    def launch(self) -> "Server":
        """Start the process without waiting for it (see `wait`): several servers can start at once."""
        # Keys the server creates (the cookie key) go to a folder of its own, not the checkout's data/.
        base = os.environ if self.base_env is None else self.base_env
        env = {"RECTRACK_DATA_DIR": tempfile.mkdtemp(prefix="rectrack-data-"), **base, **self.env}
        output = self.log.open("ab") if self.log else None
        try:
            self.process = subprocess.Popen(
                self.command(),
                env=env,
                cwd=self.cwd,
                start_new_session=True,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
        finally:
            if output:
                output.close()
        return self

    def wait(self, timeout: float = 60) -> "Server":
        """Wait until /readyz answers 200 and every worker process exists."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("uvicorn did not become ready in time")
            if self._ready() and len(self.pids()) >= (1 if self.workers == 1 else 1 + self.workers):
                return self
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """SIGTERM the group, SIGKILL it if it lingers."""
        if self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        """kill -9 the whole group at once: the crash in the fault tests."""
        if self.process is None:
            return
        self._signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pids(self) -> list[int]:
        """The server process and its descendants (uvicorn's workers)."""
        if self.process is None:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        tree, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    def cpu_seconds(self) -> float:
        """User and system CPU time used so far by the whole tree."""
        return sum(process_cpu_seconds(pid) for pid in self.pids())

    def memory_kb(self) -> dict[int, tuple[int, int]]:
        """Per process: resident KiB now and the peak since start (or since `reset_peaks`)."""
        result = {}
        for pid in self.pids():
            status = _status(pid)
            if "VmRSS" in status:
                result[pid] = (status["VmRSS"], status.get("VmHWM", status["VmRSS"]))
        return result

    def reset_peaks(self) -> bool:
        """Reset every process's peak RSS (Linux clear_refs 5); False when not allowed."""
        done = True
        for pid in self.pids():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                done = False
        return done


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _status(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        name: int(value.split()[0])
        for name, _, value in (line.partition(":") for line in lines)
        if name in ("VmRSS", "VmHWM")
    }
