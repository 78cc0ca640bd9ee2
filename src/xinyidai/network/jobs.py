"""The network's background jobs: capturing this node's change feeds, refreshing the parent's directory, and one
pull per neighbour and topic. On a single deployment (no network configured) each returns at once."""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db, jobs
from xinyidai.errors import DomainError
from xinyidai.network import service

log = structlog.get_logger(__name__)


@jobs.job("network.capture", queue="network", cron="* * * * *", lock="network.capture", single_queued=True)
def capture(factory: sessionmaker[Session]) -> None:
    """Append what was stored since the last capture to each topic's feed."""
    node = service.current_node()
    if node is None:
        return
    service.capture_all(factory, node=node)


@jobs.job("network.directory", queue="network", cron="*/10 * * * *", lock="network.directory", single_queued=True)
def refresh_directory(factory: sessionmaker[Session]) -> None:
    """Fetch the parent's directory and keep it if its signature holds (otherwise the last good copy stays)."""
    node = service.current_node()
    if node is None or node.parent_url is None:
        return
    try:
        service.fetch_directory(factory, node=node)
    except DomainError as exc:  # the last good copy stays; the next tick tries again
        log.warning("network directory refresh failed", error=exc.message_en)


@jobs.job("network.pull_all", queue="network", cron="* * * * *", single_queued=True)
def pull_all(factory: sessionmaker[Session]) -> None:
    """Defer one pull per active neighbour and topic."""
    node = service.current_node()
    if node is None:
        return
    with db.transaction(factory) as session:
        unknown_parent = node.parent_url is not None and service.parent_directory(session, node=node) is None
    if unknown_parent:  # a node just started knows its parent only from its directory
        refresh_directory(factory)
    with db.transaction(factory) as session:
        peers = [m.code for m, _ in service.neighbours(session, node=node) if m.status == "active"]
    jobs.defer_many("network.pull", [{"peer": peer, "topic": topic} for peer in peers for topic in node.topics],
                    factory=factory)


# One neighbour's topic at a time: two pulls of the same cursor would only wait on each other's lock.
@jobs.job("network.pull", queue="network")
def pull(factory: sessionmaker[Session], *, peer: str, topic: str) -> None:
    """Pull one topic from one neighbour until caught up."""
    node = service.current_node()
    if node is None:
        return
    try:
        result = service.pull(factory, node=node, peer_code=peer, topic=topic)
    except DomainError as exc:  # the neighbour left the directory since the pull was deferred
        log.warning("network pull refused", peer=peer, topic=topic, error=exc.message_en)
        return
    if result.error:
        log.warning("network pull failed", peer=peer, topic=topic, error=result.error)


@jobs.job("network.relay", queue="network", lock="network.relay")
def relay(factory: sessionmaker[Session]) -> None:
    """Capture the bank topics and push what is new to the neighbours at once (deferred by the commit that added
    it: an order filed for a network product, the bank's handling of a relayed one, a product changed)."""
    node = service.current_node()
    if node is None:
        return
    from xinyidai.network import banking

    for pushed in banking.relay(factory, node=node):
        if pushed.error:
            log.warning("network push failed", peer=pushed.peer, topic=pushed.topic, error=pushed.error)
