"""`xinyidai network ...`: this node's signing key, the directory it signs, a sync, its status."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from xinyidai.cli_support import bilingual, command_group, console, domain_errors, fail, transaction

if TYPE_CHECKING:
    from xinyidai.network.service import Node

app = command_group("平台网络：密钥、目录、同步与状态", "Platform network: keys, directory, sync and status")
directory_app = command_group("网络目录", "The network directory")
member_app = command_group("本节点签发的目录成员", "The members this node signs for")
app.add_typer(directory_app, name="directory")
app.add_typer(member_app, name="member")


def _node() -> Node:
    from xinyidai.network import service

    node = service.current_node()
    if node is None:
        fail("本平台未配置网络节点（XINYIDAI_NETWORK_NODE_CODE）", detail="no network node configured")
    return node


@app.command("keygen", help=bilingual("生成本节点的 Ed25519 签名密钥并打印公钥",
                                      "Generate this node's Ed25519 signing key and print its public key"))
def keygen(
    path: Path | None = typer.Option(None, help=bilingual("密钥文件（默认取配置）", "Key file (default: settings)")),
    rotate: bool = typer.Option(False, help=bilingual("轮换：旧密钥留作过渡期签名",
                                                      "Rotate: keep the old key to sign during the overlap")),
) -> None:
    """Write the key file and print the public key to give the parent."""
    from xinyidai.config import get_settings
    from xinyidai.network import policy, service

    target = path or get_settings().network_signing_key_path
    try:
        public = service.keygen(target, rotate=rotate)
    except FileExistsError:
        fail(f"{target} 已存在；如需轮换请加 --rotate", detail=f"{target} exists; use --rotate")
    console.print(f"key {policy.key_id(public)} written to {target}")
    console.print(f"public key: {public}")


@directory_app.command("publish", help=bilingual("签发本节点及其下级节点的目录新版本",
                                                 "Sign the next version of the directory of this node and its "
                                                 "children"))
def directory_publish() -> None:
    """Publish and print the version."""
    from xinyidai.audit.actor import Actor
    from xinyidai.network import service

    node = _node()
    with transaction() as session:
        published = service.publish_directory(session, node=node, actor=Actor.cli("network directory publish"))
        version = published.version
    console.print(f"directory version {version} published by {node.code}")


@directory_app.command("fetch", help=bilingual("取得并验证上级节点的目录",
                                               "Fetch and verify the parent's directory"))
def directory_fetch() -> None:
    """Fetch the parent's directory once."""
    from xinyidai import db
    from xinyidai.network import service

    node = _node()
    with domain_errors():
        version = service.fetch_directory(db.get_database().session_factory, node=node)
    console.print(f"parent directory version {version}")


@member_app.command("add", help=bilingual("登记或更新一个下级节点（新公钥与旧公钥并行有效一天）",
                                          "Add or update a child node (a new key overlaps the old for a day)"))
def member_add(
    code: str = typer.Argument(..., help=bilingual("行政区划代码", "Administrative division code")),
    name: str = typer.Option(..., help=bilingual("节点名称", "Name of the node")),
    endpoint: str = typer.Option(..., help=bilingual("节点地址", "Base URL of the node")),
    public_key: str = typer.Option(..., help=bilingual("公钥（base64 或 PEM 文件）", "Public key (base64 or PEM)")),
    role: str = typer.Option("local", help=bilingual("层级", "national, provincial or local")),
) -> None:
    """Add the member; publish the directory afterwards."""
    from xinyidai.audit.actor import Actor
    from xinyidai.network import service
    from xinyidai.network.policy import Role

    node = _node()
    with transaction() as session:
        service.set_member(session, actor=Actor.cli("network member add"), node=node, code=code, role=Role(role),
                           name=name, endpoint=endpoint, public_key=public_key)
    console.print(f"member {code} set; run `xinyidai network directory publish`")


@member_app.command("status", help=bilingual("暂停、恢复或移除一个下级节点",
                                             "Suspend, reinstate or remove a child node"))
def member_status(
    code: str = typer.Argument(..., help=bilingual("行政区划代码", "Administrative division code")),
    status: str = typer.Argument(..., help=bilingual("状态", "active, suspended or removed")),
) -> None:
    """Set the member's status; it is refused from its next exchange."""
    from xinyidai.audit.actor import Actor
    from xinyidai.network import service
    from xinyidai.network.policy import MemberStatus

    with transaction() as session:
        service.set_member_status(session, actor=Actor.cli("network member status"), code=code,
                                  status=MemberStatus(status))
    console.print(f"member {code}: {status}")


@app.command("sync", help=bilingual("立即同步一次：生成本节点变更流，拉取各相邻节点",
                                    "Sync once: capture this node's feeds, pull from every neighbour"))
def sync() -> None:
    """Run every capture and pull now and print what each did."""
    from xinyidai import db
    from xinyidai.network import service

    node = _node()
    for pulled in service.sync(db.get_database().session_factory, node=node):
        line = (f"{pulled.peer} {pulled.topic}: {pulled.batches} batches, {pulled.entries} entries, "
                f"stored {pulled.stored}, duplicate {pulled.duplicate}, refused {pulled.refused}, "
                f"cursor {pulled.position}/{pulled.head}")
        console.print(line + (f" — error: {pulled.error}" if pulled.error else ""), markup=False)
        for note in pulled.notes:
            console.print(f"  {note}", markup=False)


@app.command("resync", help=bilingual("从指定序号起重新同步一个相邻节点的主题",
                                      "Pull a neighbour's topic again from a sequence number"))
def resync(
    peer: str = typer.Argument(..., help=bilingual("相邻节点代码", "Neighbour's code")),
    topic: str = typer.Argument(..., help=bilingual("主题", "Topic, e.g. creditdata.record")),
    after: int = typer.Option(0, "--from", min=0, help=bilingual("从该序号之后开始", "Start after this sequence")),
) -> None:
    """Move the cursor back; the next sync pulls from there (nothing is stored twice)."""
    from xinyidai.audit.actor import Actor
    from xinyidai.network import service

    node = _node()
    with transaction() as session:
        service.resync(session, actor=Actor.cli("network resync"), node=node, peer_code=peer, topic=topic,
                       after=after)
    console.print(f"{peer} {topic}: next pull starts after {after}")


@app.command("status", help=bilingual("本节点的目录、变更流与各相邻节点的进度",
                                      "This node's directory, feeds and each neighbour's progress"))
def status() -> None:
    """Print the status as JSON."""
    from xinyidai import db
    from xinyidai.network import service

    with db.transaction() as session:
        read = service.status(session, node=service.current_node())
    console.print_json(read.model_dump_json())
