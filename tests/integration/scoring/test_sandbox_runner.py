"""The sandbox runner with real worker processes: scores come back, and a model that runs too long or asks for too
much memory is stopped by the limits; the worker cannot reach the network."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import numpy as np
import pytest

from tests import sandbox_onnx
from xinyidai.scoring.sandbox import runner
from xinyidai.scoring.sandbox.runner import Limits, RunStatus
from xinyidai.scoring.sandbox.validation import check

FEATURES = ["tax_paid_12m", "penalties_36m", "penalties_12m"]
X = np.array([[1.0, 2.0, 4.0], [3.0, 4.0, 0.0], [np.nan, 1.0, 1.0]])
TIGHT = Limits(memory_bytes=256 << 20, cpu_seconds=2, wall_seconds=4.0)


def _run(content: bytes, limits: Limits = TIGHT) -> runner.Outcome:
    return runner.run(content, X, checked=check(content, features=FEATURES, output_name="score"), limits=limits)


def test_a_scorecard_gives_one_score_per_row_rounded_to_two_decimals_and_none_where_it_is_not_finite() -> None:
    # sigmoid(1 + 0.5·x1 − 1·x2 + 0.25·x3) worked by hand: logit 1 + 0.5 − 2 + 1 = 0.5 and 1 + 1.5 − 4 + 0 = −1.5;
    # sigmoid(0.5) = 0.6224593, sigmoid(−1.5) = 0.1824255 (1 / (1 + e^−x)); NaN for the third row.
    outcome = _run(sandbox_onnx.scorecard([0.5, -1.0, 0.25], bias=1.0))
    assert outcome.status is RunStatus.OK
    assert outcome.scores == [0.62, 0.18, None]


def test_a_value_outside_zero_to_one_fails_the_whole_run_and_returns_nothing() -> None:
    # The plain linear model answers 1 + 0.5 − 2 + 1 = 0.5 for the first row, but −1.5 for the second: not a
    # probability, so not a score, and none of the run's values leave.
    outcome = _run(sandbox_onnx.linear([0.5, -1.0, 0.25], bias=1.0))
    assert (outcome.status, outcome.scores) == (RunStatus.FAILED, [])
    assert "[0, 1]" in outcome.error


def test_a_model_with_one_input_per_feature_gets_each_column_under_its_name() -> None:
    content = sandbox_onnx.per_feature(FEATURES)
    checked = check(content, features=FEATURES, output_name="score")
    x = np.array([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0], [np.nan, 1.0, 1.0]])
    outcome = runner.run(content, x, checked=checked, limits=TIGHT)
    # sigmoid(−0.5) = 0.3775407, sigmoid(0) = 0.5
    assert (outcome.status, outcome.scores) == (RunStatus.OK, [0.38, 0.5, None])


def test_a_model_that_runs_too_long_is_stopped_by_the_time_limit() -> None:
    outcome = _run(sandbox_onnx.slow(3))
    assert outcome.status is RunStatus.TIMEOUT
    assert outcome.scores == []


def test_the_wall_clock_limit_stops_a_worker_the_cpu_limit_would_not_yet() -> None:
    outcome = _run(sandbox_onnx.slow(3), Limits(memory_bytes=256 << 20, cpu_seconds=600, wall_seconds=2.0))
    assert outcome.status is RunStatus.TIMEOUT
    assert "wall-clock" in outcome.error


def test_a_model_that_asks_for_too_much_memory_is_stopped_by_the_memory_limit() -> None:
    hungry = sandbox_onnx.hungry(3, size=16_000)  # one 1 GB tensor
    stopped = _run(hungry)
    assert stopped.status is RunStatus.MEMORY
    assert stopped.scores == []
    # The same model under a larger budget runs: it was the limit, not the machine, that stopped it.
    assert _run(hungry, Limits(memory_bytes=3 << 30, cpu_seconds=20, wall_seconds=30)).status is RunStatus.OK


def test_the_worker_gets_no_environment_of_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYIDAI_DATABASE_URL", "postgresql://secret@db/xinyidai")
    assert not any(key.startswith("XINYIDAI") for key in runner._environment())
    assert _run(sandbox_onnx.scorecard([1.0, 1.0, 1.0])).status is RunStatus.OK


PROBE = """
import _socket, json, sys
sys.path.insert(0, sys.argv[1])
raw = _socket.socket  # kept before isolation, to try the network below Python's guard
import worker
how = worker.isolate_network()
answer = {"how": how}
try:
    import socket
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    answer["python"] = "opened"
except PermissionError as exc:
    answer["python"] = type(exc).__name__
s = raw(_socket.AF_INET, _socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(("127.0.0.1", int(sys.argv[2])))
    answer["raw"] = "connected"
except OSError as exc:
    answer["raw"] = exc.errno
print(json.dumps(answer))
"""


def test_no_socket_can_be_opened_in_the_worker_and_the_network_is_out_of_reach() -> None:
    import json

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepting = threading.Thread(target=lambda: listener.accept(), daemon=True)
    accepting.start()
    try:
        done = subprocess.run([sys.executable, "-I", "-c", PROBE, str(runner.WORKER.parent), str(port)],
                              capture_output=True, text=True, timeout=30, check=True)
    finally:
        listener.close()
    answer = json.loads(done.stdout)
    assert answer["python"] == "NetworkDisabled"
    if answer["how"] == "sockets":
        pytest.skip("no network namespace on this host: only the Python guard applies")
    # In its own network namespace the worker's loopback is down: the server's port cannot be reached.
    assert answer["raw"] != "connected"
