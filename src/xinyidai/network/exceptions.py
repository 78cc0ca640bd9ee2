"""Refusals of the platform network: each a clear 4xx with a Chinese message and its English twin; a refused batch
or request changes nothing and is kept in the message log."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated


class NetworkNotConfigured(DomainError):
    """This deployment is a single node: no network settings."""

    status_code = 404
    code = "network_not_configured"


class MalformedBatch(DomainError):
    """Not a batch: not JSON, fields missing or of the wrong type."""

    status_code = 400
    code = "network_malformed"


class OversizedBatch(DomainError):
    """More bytes or entries than the settings bound."""

    status_code = 413
    code = "network_oversized"


class UnsignedRequest(Unauthenticated):
    """No signature, or one that does not verify against the sender's keys valid at its time."""

    code = "network_bad_signature"


class StaleBatch(Unauthenticated):
    """A batch whose time is too far from the receiver's: replayed from a capture, or forged under an old key."""

    code = "network_stale_batch"


class UnknownSender(Forbidden):
    """The sender is not in the directory this node trusts, or is not its neighbour."""

    code = "network_unknown_sender"


class SenderNotActive(Forbidden):
    """The sender is suspended or removed in the directory."""

    code = "network_sender_not_active"


class WrongReceiver(Forbidden):
    """The batch names another receiver."""

    code = "network_wrong_receiver"


class UnknownTopic(NotFound):
    """No such topic on this node."""

    code = "network_unknown_topic"


class FlowRefused(Forbidden):
    """The flow table does not let this record go this way (or it needs the firm's authorisation)."""

    code = "network_flow_refused"


class SequenceRefused(Conflict):
    """The batch does not start right after the cursor: a gap, an overlap or entries out of order."""

    code = "network_sequence"


class ReplayedBatch(Conflict):
    """The batch lies wholly at or before the cursor: already applied, nothing changes."""

    code = "network_replay"


class DirectoryRefused(DomainError):
    """A fetched directory whose signature, issuer, time or version does not hold; the last good copy stays."""

    status_code = 502
    code = "network_directory_refused"


class PeerUnreachable(DomainError):
    """The neighbour did not answer, or answered with an error."""

    status_code = 502
    code = "network_peer_unreachable"


class InvalidFlowRule(DomainError):
    """A flow rule that names an unknown topic, direction or sub-category."""

    code = "network_invalid_flow_rule"
