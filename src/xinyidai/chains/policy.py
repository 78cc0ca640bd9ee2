"""The rules of a community line (pure: no I/O), in integer fen and parts per million.

**The line and its allocations.** The lender grants the community one line and allocates it among confirmed
members. A member's *allocation* is what the lender allocated plus its *uplift* (below). The sum of the members'
allocations never exceeds the community line: an allocation that would take it above is refused whole, with the
room that is left in the message. The line itself cannot be lowered below what is allocated.

**Confirmed receivables raise a member's allocation (确权增信).** When the leader confirms receivables a member holds
on it, the member's uplift becomes

    uplift = min(70% × receivables confirmed and not yet due,
                 30% × the community line,
                 the room left in the line beside the other members' allocations and its own lender allocation)

so the leader's promise to pay stands behind up to 70% of the invoice, one member never takes more than 30% of the
line by receivables alone, and the line is never exceeded.

**Arrears reduce what the community may draw (抱团增信, 风险共担).** A member overdue on a loan (any days past due)
or in default draws nothing, and each troubled member cuts the drawable share of every other member:

    haircut = min(100%, 10% × members overdue + 30% × members in default)
    a healthy member's drawable = its allocation × (1 − haircut);  the community's = the sum of its members'.

A member in default counts once, as in default, not also as overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xinyidai.money import format_yuan as yuan

PPM = 1_000_000
RECEIVABLE_ADVANCE_PPM = 700_000  # the share of confirmed receivables that raises the allocation
MEMBER_UPLIFT_CAP_PPM = 300_000  # one member's uplift, as a share of the community line, at most
OVERDUE_HAIRCUT_PPM = 100_000  # each overdue member's cut of the community's drawable
DEFAULT_HAIRCUT_PPM = 300_000  # each defaulted member's cut


def share(amount_fen: int, ppm: int) -> int:
    """amount × ppm / 1,000,000, rounded down to the fen (what is lent is never rounded up)."""
    return amount_fen * ppm // PPM


def allocation_problem(*, line_fen: int, others_fen: int, allocation_fen: int, uplift_fen: int) -> str | None:
    """Why a member's new lender allocation cannot be made (in Chinese), or None if it fits in the line.

    `others_fen` is the sum of the other members' allocations (their lender allocations and uplifts).
    """
    if allocation_fen < 0:
        return "分配额度不能为负数"
    if line_fen <= 0:
        return "该共同体尚未获得授信额度，不能分配"
    room = line_fen - others_fen - uplift_fen
    if allocation_fen > room:
        return (f"分配后成员额度合计将超过共同体授信额度{yuan(line_fen)}元："
                f"其他成员已分配{yuan(others_fen)}元，该成员确权增加{yuan(uplift_fen)}元，"
                f"最多还可分配{yuan(max(room, 0))}元")
    return None


def line_problem(*, line_fen: int, allocated_fen: int) -> str | None:
    """Why the community line cannot be set to `line_fen` (in Chinese), or None."""
    if line_fen < 0:
        return "授信额度不能为负数"
    if line_fen < allocated_fen:
        return f"授信额度不能低于已分配给成员的合计{yuan(allocated_fen)}元，请先调减成员分配"
    return None


def receivable_uplift(*, receivables_fen: int, line_fen: int, room_fen: int) -> int:
    """A member's uplift from the receivables the leader confirmed and not yet due (see the module's rule).

    `room_fen` is the line less the other members' allocations and the member's own lender allocation.
    """
    return max(0, min(share(receivables_fen, RECEIVABLE_ADVANCE_PPM), share(line_fen, MEMBER_UPLIFT_CAP_PPM),
                      room_fen))


@dataclass(frozen=True, slots=True)
class Standing:
    """One confirmed member as the drawable rule sees it."""

    membership_id: int
    allocation_fen: int  # lender allocation + uplift
    overdue: bool
    defaulted: bool


@dataclass(frozen=True, slots=True)
class Drawable:
    """What the community and each member may draw under the arrears rule."""

    line_fen: int
    allocated_fen: int
    haircut_ppm: int
    overdue_members: int
    defaulted_members: int
    by_member: dict[int, int]

    @property
    def community_fen(self) -> int:
        """What the whole community may draw."""
        return sum(self.by_member.values())

    @property
    def reduction_fen(self) -> int:
        """How much less than its allocations the community may draw because of members' arrears."""
        return self.allocated_fen - self.community_fen


def drawable(*, line_fen: int, members: Sequence[Standing]) -> Drawable:
    """What may be drawn, by member and in all, given each member's arrears (see the module's rule)."""
    defaulted = sum(1 for m in members if m.defaulted)
    overdue = sum(1 for m in members if m.overdue and not m.defaulted)
    haircut = min(PPM, overdue * OVERDUE_HAIRCUT_PPM + defaulted * DEFAULT_HAIRCUT_PPM)
    by_member = {m.membership_id: 0 if (m.overdue or m.defaulted) else share(m.allocation_fen, PPM - haircut)
                 for m in members}
    return Drawable(line_fen=line_fen, allocated_fen=sum(m.allocation_fen for m in members), haircut_ppm=haircut,
                    overdue_members=overdue, defaulted_members=defaulted, by_member=by_member)
