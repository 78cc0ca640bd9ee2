"""The sandbox worker: runs one institution's ONNX model on one feature matrix, in its own process.

Started by `runner.run` as `python -I worker.py` (isolated mode: no PYTHONPATH, no user site, no current directory
on the path) in an empty working directory with a bare environment, so it holds nothing of the platform: no
database address, no secrets, no platform code. It imports only the standard library, NumPy and ONNX Runtime.

In order, before it looks at the model:

1. network: a new, empty network namespace (`unshare(CLONE_NEWNET)`, or with a user namespace when the server
   is not root) leaves the worker no interface but a loopback that is down; on top of that, and where namespaces
   are not available at all, Python's socket constructors raise;
2. the request (model bytes and the matrix) is read from stdin in full;
3. NumPy and ONNX Runtime are imported, then the limits are set: address space (RLIMIT_AS) to what the process
   holds now plus the memory budget, CPU seconds (RLIMIT_CPU, SIGXCPU then SIGKILL), no files written
   (RLIMIT_FSIZE 0), no core dumps; the worker also lowers its own priority so the web server comes first.
   ONNX Runtime runs with one intra-op and one inter-op thread, sequentially, without custom operators.

The answer is one JSON object on stdout: {"status": "ok", "scores": [...]} (None for a non-finite score), or
{"status": "memory" | "failed", "error": "..."}; the parent adds "timeout" when it has to kill the worker.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import socket
import struct
import sys
from typing import Any

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
HEADER = struct.Struct("!I")
NICENESS = 10
MEMORY_WORDS = ("bad_alloc", "bad allocation", "failed to allocate", "out of memory", "cannot allocate")


class NetworkDisabled(PermissionError):
    """Raised by every socket constructor inside the worker."""


def _no_network(*_args: Any, **_kwargs: Any) -> Any:
    raise NetworkDisabled("network access is disabled in the model sandbox")


def isolate_network() -> str:
    """Cut the process off the network; returns how ("netns", "userns+netns" or "sockets")."""
    how = "sockets"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags, name in ((CLONE_NEWNET, "netns"), (CLONE_NEWUSER | CLONE_NEWNET, "userns+netns")):
            if libc.unshare(flags) == 0:
                how = name
                break
    except (OSError, AttributeError):
        pass
    import _socket

    for module in (socket, _socket):
        for name in ("socket", "socketpair", "fromfd", "create_connection", "create_server", "getaddrinfo"):
            if hasattr(module, name):
                setattr(module, name, _no_network)
    return how


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"expected {size} bytes, got {len(data)}")
    return bytes(data)


def _vm_bytes() -> int:
    """The process's current virtual size (the address-space limit counts from here)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def set_limits(*, memory_bytes: int, cpu_seconds: int) -> None:
    """Address space, CPU seconds from now, no files written, no core dumps; a lower priority."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    limit = _vm_bytes() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(NICENESS)


def _run(request: dict[str, Any], model: bytes, matrix: bytes) -> dict[str, Any]:
    import numpy as np
    import onnxruntime

    x = np.frombuffer(matrix, dtype="<f8").reshape(request["rows"], request["cols"])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    set_limits(memory_bytes=request["memory_bytes"], cpu_seconds=request["cpu_seconds"])
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    feeds: dict[str, Any] = {}
    if request["layout"] == "matrix":
        name, double = request["inputs"][0]
        feeds[name] = x.astype(np.float64 if double else np.float32)
    else:
        shapes = {i.name: len(i.shape) for i in session.get_inputs()}
        for j, (name, double) in enumerate(request["inputs"]):
            column = x[:, j].astype(np.float64 if double else np.float32)
            feeds[name] = column.reshape(-1, 1) if shapes.get(name) == 2 else column
    (out,) = session.run([request["output_name"]], feeds)
    scores = np.asarray(out, dtype=np.float64)
    if request["output_column"] is not None:
        scores = scores[:, request["output_column"]]
    scores = scores.reshape(-1)
    if scores.shape[0] != request["rows"]:
        return {"status": "failed", "error": f"the output holds {scores.shape[0]} values for {request['rows']} rows"}
    return {"status": "ok", "scores": [float(s) if np.isfinite(s) else None for s in scores]}


def main() -> int:
    """Read one request from stdin, answer on stdout."""
    network = isolate_network()
    stdin = sys.stdin.buffer
    try:
        (length,) = HEADER.unpack(_read_exactly(stdin, HEADER.size))
        request = json.loads(_read_exactly(stdin, length))
        model = _read_exactly(stdin, request["model_bytes"])
        matrix = _read_exactly(stdin, request["rows"] * request["cols"] * 8)
        answer = _run(request, model, matrix)
    except MemoryError as exc:
        answer = {"status": "memory", "error": f"MemoryError: {exc}"[:300]}
    except Exception as exc:  # onnxruntime raises its own types; the parent only needs the kind and a line
        text = f"{type(exc).__name__}: {exc}"
        kind = "memory" if any(word in text.lower() for word in MEMORY_WORDS) else "failed"
        answer = {"status": kind, "error": text[:300]}
    answer["network"] = network
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
