"""A small platform network on this machine (`xinyidai demo network`): the national node, the provincial node and
two local nodes (Nan'an and Yubei), each its own process, SQLite database, signing key and port; the directory
signed down the tree; a first sync up and down; then every node's own scheduled jobs keep the network in sync.

Each step on a node runs as the node would run it, as a `xinyidai` command with that node's settings, so that no
two nodes share a process (settings, the audit anchor and the process-wide database are per process)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from xinyidai.demo.districts import NAN_AN, YU_BEI, District
from xinyidai.network import policy, service
from xinyidai.network.policy import Role


@dataclass(frozen=True)
class DemoNode:
    """One node of the demo network."""

    code: str
    role: Role
    name: str
    parent: str | None
    district: District | None = None  # a local node holds a demo district; the upper nodes only their operators


NODES = (
    DemoNode("100000", Role.NATIONAL, "全国融资信用服务平台", None),
    DemoNode("500000", Role.PROVINCIAL, "信易贷·渝惠融（重庆市融资信用服务平台）", "100000"),
    DemoNode("500108", Role.LOCAL, "南岸区企业数字信用管理平台", "500000", NAN_AN),
    DemoNode("500112", Role.LOCAL, "渝北区融资信用服务平台", "500000", YU_BEI),
)
# A first sync that carries data all the way up and back down: the locals capture and pull, the province pulls
# them, the nation pulls the province, then the province and the locals pull what came down.
FIRST_SYNC = ("500108", "500112", "500000", "100000", "500000", "500108", "500112")


@dataclass(frozen=True)
class Layout:
    """Where each node of the demo lives: its folder and its port."""

    root: Path
    base_port: int

    def folder(self, node: DemoNode) -> Path:
        """The node's folder: its database, key, audit anchor and logs."""
        return self.root / node.code

    def port(self, node: DemoNode) -> int:
        """The node's port: the base port and the node's place in the list."""
        return self.base_port + NODES.index(node)

    def endpoint(self, node: DemoNode) -> str:
        """The node's base URL."""
        return f"http://127.0.0.1:{self.port(node)}"

    def key(self, node: DemoNode) -> Path:
        """The node's signing key."""
        return self.folder(node) / "signing-key.pem"

    def env(self, node: DemoNode) -> dict[str, str]:
        """The settings of the node's processes: this process's environment without its own XINYIDAI_ settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("XINYIDAI_")}
        folder = self.folder(node)
        env.update({
            "XINYIDAI_DATABASE_URL": f"sqlite:///{folder / 'node.db'}",
            "XINYIDAI_AUDIT_ANCHOR_PATH": str(folder / "audit-anchor.jsonl"),
            "XINYIDAI_NETWORK_NODE_CODE": node.code, "XINYIDAI_NETWORK_NODE_ROLE": node.role.value,
            "XINYIDAI_NETWORK_NODE_NAME": node.name, "XINYIDAI_NETWORK_ENDPOINT": self.endpoint(node),
            "XINYIDAI_NETWORK_SIGNING_KEY_PATH": str(self.key(node)), "NO_COLOR": "1", "COLUMNS": "120",
            # One login across the network: the province is the identity provider, the others its relying parties.
            "XINYIDAI_NETWORK_SIGNON_ENABLED": "true",
        })
        if node.parent is not None:
            parent = by_code(node.parent)
            env.update({"XINYIDAI_NETWORK_PARENT_CODE": parent.code,
                        "XINYIDAI_NETWORK_PARENT_URL": self.endpoint(parent),
                        "XINYIDAI_NETWORK_PARENT_PUBLIC_KEY": public_key(self.key(parent))})
        return env


def by_code(code: str) -> DemoNode:
    """The demo node with this code."""
    return next(node for node in NODES if node.code == code)


def public_key(path: Path) -> str:
    """The base64 public key of a signing key file."""
    return policy.public_key_b64(policy.load_private_key(path.read_bytes()))


class StepFailed(RuntimeError):
    """A node's command failed; the message holds what it printed."""


def run(layout: Layout, node: DemoNode, *args: str, timeout: float = 900) -> str:
    """Run `xinyidai <args>` with the node's settings; what it printed, or StepFailed."""
    done = subprocess.run(  # noqa: S603 - this interpreter and the platform's own command line
        [sys.executable, "-m", "xinyidai.cli", *args], env=layout.env(node),
                          cwd=layout.folder(node), capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise StepFailed(f"{node.code}: xinyidai {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def build(layout: Layout, *, enterprises: int, seed: int, say: Callable[[str], None]) -> None:
    """Create every node from nothing: folder, key, migrated database, demo data, then the signed directory."""
    if layout.root.exists() and any(layout.root.iterdir()):
        raise StepFailed(f"{layout.root} is not empty: remove it, or give another --dir")
    for node in NODES:
        layout.folder(node).mkdir(parents=True, exist_ok=True)
        service.keygen(layout.key(node))
    for node in NODES:
        say(f"{node.code} {node.name}: database and demo data")
        run(layout, node, "db", "upgrade")
        if node.district is None:  # the bank service: a bank connects once, at the provincial node
            out = run(layout, node, "demo", "operator", "--name", f"{node.name}运营中心",
                      *(["--bank"] if node.role is Role.PROVINCIAL else []))
        else:
            out = run(layout, node, "demo", "generate", "--enterprises", str(enterprises), "--seed", str(seed),
                      "--district", node.district.code)
        (layout.folder(node) / "logins.txt").write_text(out, encoding="utf-8")
    # Each parent signs its children into its directory (the national node the province, the province the locals).
    for parent in NODES:
        children = [n for n in NODES if n.parent == parent.code]
        for child in children:
            run(layout, parent, "network", "member", "add", child.code, "--name", child.name,
                "--endpoint", layout.endpoint(child), "--public-key", public_key(layout.key(child)),
                "--role", child.role.value)
        if children:
            run(layout, parent, "network", "directory", "publish")


def _healthy(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


@contextmanager
def serving(layout: Layout, *, timeout: float = 120) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every node's server (`xinyidai serve`, its scheduled jobs in process) until the block ends."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for node in NODES:
            log = (layout.folder(node) / "server.log").open("ab")
            processes.append(subprocess.Popen(  # noqa: S603 - this interpreter and the platform's own command line
                [sys.executable, "-m", "xinyidai.cli", "serve", "--host", "127.0.0.1", "--port",
                 str(layout.port(node))], env=layout.env(node), cwd=layout.folder(node), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout
        for node, process in zip(NODES, processes, strict=True):
            while not _healthy(layout.port(node)):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise StepFailed(f"{node.code} did not start; see {layout.folder(node) / 'server.log'}")
                time.sleep(0.3)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def first_sync(layout: Layout, *, say: Callable[[str], None]) -> None:
    """Sync the nodes in the order that carries data up to the nation and back down once."""
    for code in FIRST_SYNC:
        out = run(layout, by_code(code), "network", "sync")
        moved = sum(int(line.split(" entries")[0].rsplit(" ", 1)[-1]) for line in out.splitlines()
                    if " entries" in line)
        say(f"{code} synced: {moved} entries pulled")
        for line in out.splitlines():
            if " — error: " in line:  # a neighbour not ready yet: the scheduled jobs try again every minute
                say(f"  {line.strip()}")
