"""Running a checked model in a separate, limited process (`worker.py`) and taking back one score per row.

The parent sends the worker the model bytes and the feature matrix over a pipe and nothing else: the worker is
started in isolated mode with a bare environment in an empty directory, so the platform's configuration never
reaches it. The parent enforces the wall-clock limit (the whole process group is killed), the worker sets its own
memory and CPU limits before it loads the model (see `worker`). At most `MAX_CONCURRENT` workers run at a time;
another run waits for a slot up to `QUEUE_SECONDS`, then is refused, so a burst of runs cannot starve the server.

What comes back is checked: one number in [0, 1] per row (anything outside fails the whole run, and nothing of it
is returned), or None for a row whose score is not finite; each score is rounded to two decimals before it leaves.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from xinyidai.scoring.sandbox.validation import Checked

WORKER = Path(__file__).with_name("worker.py")
MAX_CONCURRENT = 2
QUEUE_SECONDS = 5.0
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
# A score is a probability, returned with two decimals (100 levels): what a run can carry out of the platform per
# entity is bounded, whatever the model computes.
SCORE_MIN, SCORE_MAX = 0.0, 1.0
SCORE_DECIMALS = 2


class RunStatus(StrEnum):
    """How a run ended."""

    OK = "ok"
    TIMEOUT = "timeout"  # the wall-clock or CPU limit stopped it
    MEMORY = "memory"  # the memory limit stopped it
    FAILED = "failed"  # the model raised, or answered something that is not one score per row
    BUSY = "busy"  # no free slot: the run did not start


RUN_STATUS_LABELS: dict[str, str] = {
    RunStatus.OK: "完成", RunStatus.TIMEOUT: "超时终止", RunStatus.MEMORY: "超出内存限制终止",
    RunStatus.FAILED: "运行失败", RunStatus.BUSY: "沙箱繁忙，未运行",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The resources one run may use."""

    memory_bytes: int = 512 * 1024 * 1024
    cpu_seconds: int = 20
    wall_seconds: float = 30.0


DEFAULT_LIMITS = Limits()
_limits = DEFAULT_LIMITS


def get_limits() -> Limits:
    """The limits runs get now."""
    return _limits


def set_limits(limits: Limits | None) -> None:
    """Change the limits of later runs (None: the defaults); for operators' tuning and for tests."""
    global _limits
    _limits = limits or DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class Outcome:
    """The end of one run: its status, one score (or None) per row when it is ok, and why when it is not."""

    status: RunStatus
    scores: list[float | None] = field(default_factory=list)
    error: str = ""
    network: str = ""


def _environment() -> dict[str, str]:
    # Nothing of the server's environment (database address, keys) is passed on.
    return {"PATH": os.defpath, "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}


def _payload(model: bytes, x: np.ndarray, checked: Checked, limits: Limits) -> bytes:
    request = {
        "model_bytes": len(model), "rows": int(x.shape[0]), "cols": int(x.shape[1]), "layout": checked.layout.value,
        "inputs": [[i.name, i.double] for i in checked.inputs], "output_name": checked.output_name,
        "output_column": checked.output_column, "memory_bytes": limits.memory_bytes,
        "cpu_seconds": limits.cpu_seconds,
    }
    header = json.dumps(request).encode()
    matrix = np.ascontiguousarray(x, dtype="<f8").tobytes()
    return len(header).to_bytes(4, "big") + header + model + matrix


def _scores(values: Any, rows: int) -> list[float | None] | None:
    """One score in [0, 1] rounded to `SCORE_DECIMALS` (or None where it is not finite) per row, else None: the
    worker's answer is not trusted blindly, and a value outside [0, 1] is not a score (it may be a feature)."""
    if not isinstance(values, list) or len(values) != rows:
        return None
    out: list[float | None] = []
    for value in values:
        if value is None:
            out.append(None)
        elif (isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
              and SCORE_MIN <= value <= SCORE_MAX):
            out.append(round(float(value), SCORE_DECIMALS))
        else:
            return None
    return out


def _ended(returncode: int, stdout: bytes, stderr: bytes, rows: int) -> Outcome:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return Outcome(RunStatus.TIMEOUT, error="CPU time limit")
    try:
        answer = json.loads(stdout)
    except ValueError:
        text = stderr.decode(errors="replace")[-300:]
        memory = "bad_alloc" in text or "memory" in text.lower()
        return Outcome(RunStatus.MEMORY if memory else RunStatus.FAILED, error=text or f"exit {returncode}")
    if not isinstance(answer, dict):
        return Outcome(RunStatus.FAILED, error="unreadable answer")
    network = str(answer.get("network", ""))
    if answer.get("status") == "ok":
        scores = _scores(answer.get("scores"), rows)
        if scores is None:
            return Outcome(RunStatus.FAILED, error="the answer is not one score in [0, 1] per row",
                           network=network)
        return Outcome(RunStatus.OK, scores=scores, network=network)
    status = RunStatus.MEMORY if answer.get("status") == "memory" else RunStatus.FAILED
    return Outcome(status, error=str(answer.get("error", ""))[:300], network=network)


def run(model: bytes, x: np.ndarray, *, checked: Checked, limits: Limits | None = None) -> Outcome:
    """Score the rows of `x` (features in the declared order, NaN for missing) with the model, in a worker."""
    limits = limits or _limits
    if x.shape[0] == 0:
        return Outcome(RunStatus.OK)
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        return Outcome(RunStatus.BUSY, error="no free sandbox slot")
    try:
        with tempfile.TemporaryDirectory(prefix="xyd-sandbox-") as empty:
            process = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter and the worker file
                [sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, cwd=empty, env=_environment(), start_new_session=True, close_fds=True)
            try:
                stdout, stderr = process.communicate(_payload(model, x, checked, limits),
                                                     timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                return Outcome(RunStatus.TIMEOUT, error=f"wall-clock limit of {limits.wall_seconds:g} s")
            except BaseException:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise
            return _ended(process.returncode, stdout, stderr, int(x.shape[0]))
    finally:
        _slots.release()
