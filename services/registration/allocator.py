"""Who assigns a USCC: a pluggable allocator (GB 32100-2015 code, positions 3-8 the registering authority's
division code). In production the body (positions 9-17) comes from the national code centre; the embedded
allocator below is a simulation and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from services.registration import domain


class UsccAllocator(Protocol):
    simulated: bool

    def allocate(self, division_code: str) -> str:
        """A new USCC for an enterprise registered by the authority with this division code."""


class EmbeddedAllocator:
    """SIMULATED: issues MA-prefixed bodies from OneStop's own atomic counter (unique while the counter only
    grows; check characters computed per GB 11714 and GB 32100). It does NOT call the national code centre,
    so the codes it issues are not registered anywhere outside this system and may equal a real company's.
    """

    simulated = True

    def __init__(self, next_sequence: Callable[[], int]):
        self.next_sequence = next_sequence

    def allocate(self, division_code: str) -> str:
        # The counter moves first: if the write that stores the code never lands, the number is skipped, never reused.
        return domain.allocate_uscc(division_code, self.next_sequence())


ALLOCATORS = {"embedded": EmbeddedAllocator}


def allocator_from_config(config: dict, next_sequence: Callable[[], int]) -> UsccAllocator:
    name = str(config.get("USCC_ALLOCATOR") or "embedded")
    if name not in ALLOCATORS:
        raise ValueError(f"USCC_ALLOCATOR={name!r}: known allocators are {sorted(ALLOCATORS)}")
    return ALLOCATORS[name](next_sequence)
