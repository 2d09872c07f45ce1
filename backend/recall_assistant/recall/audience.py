"""Who a correction goes to: everyone, only those recall cannot reach, or chosen people.

Pure: the original message's recipients, what the eligibility check said and what the recall
reports said come in; the correction's To/Cc/Bcc come out. A Bcc recipient of the original
stays Bcc, so a correction never reveals who was blind-copied (docs/templates.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Audience = Literal["all", "unrecallable", "selected"]
Field = Literal["to", "cc", "bcc"]
AUDIENCES: tuple[Audience, ...] = ("all", "unrecallable", "selected")


@dataclass(frozen=True)
class Addressee:
    address: str
    name: str
    field: Field


@dataclass(frozen=True)
class CorrectionAudience:
    to: tuple[Addressee, ...]
    cc: tuple[Addressee, ...]
    bcc: tuple[Addressee, ...]

    @property
    def everyone(self) -> tuple[Addressee, ...]:
        return self.to + self.cc + self.bcc

    def __len__(self) -> int:
        return len(self.everyone)


class AudienceError(ValueError):
    """The requested audience cannot be built; ``code`` is the API's error code."""

    def __init__(self, code: str, message: str, addresses: tuple[str, ...] = ()):
        self.code = code
        self.addresses = addresses
        super().__init__(message)


def choose_audience(
    original: Iterable[Addressee],
    audience: Audience,
    *,
    sender: str,
    people: Iterable[Addressee] | None = None,
    reached: Mapping[str, bool] | None = None,
    selected: Iterable[str] = (),
) -> CorrectionAudience:
    """The correction's recipients.

    ``original`` is the message's To/Cc/Bcc as sent (groups as groups); ``people`` the persons
    it reached, groups expanded, each with the field they got it through (defaults to
    ``original``). ``all`` answers the original recipients as they were. ``unrecallable``
    keeps the persons not known to be reached: ``reached`` says, per address, whether recall
    took the message away — from the recall outcome where one is known, else from the
    eligibility verdict. ``selected`` must name recipients or persons of the original
    message, else :class:`AudienceError`.
    """
    originals = _unique(original, sender)
    persons = _unique(people, sender) if people is not None else originals
    if audience == "all":
        chosen = list(originals.values())
    elif audience == "unrecallable":
        reached = {k.lower(): v for k, v in (reached or {}).items()}
        chosen = [p for key, p in persons.items() if not reached.get(key, False)]
    elif audience == "selected":
        known = {**persons, **originals}
        wanted = list(dict.fromkeys(a.strip().lower() for a in selected if a and a.strip()))
        strangers = tuple(a for a in wanted if a not in known)
        if strangers:
            raise AudienceError(
                "recipients_not_in_original",
                "A correction can only go to people who received the original message.",
                strangers)
        chosen = [known[a] for a in wanted]
    else:
        raise AudienceError("invalid_audience", f"Unknown audience {audience!r}.")
    if not chosen:
        raise AudienceError("empty_audience",
                            "Nobody is left to correct: recall reached everyone.")
    return CorrectionAudience(
        to=tuple(p for p in chosen if p.field == "to"),
        cc=tuple(p for p in chosen if p.field == "cc"),
        bcc=tuple(p for p in chosen if p.field == "bcc"),
    )


def _unique(addressees: Iterable[Addressee], sender: str) -> dict[str, Addressee]:
    # The sender needs no correction of her own; the first field an address is in wins.
    unique: dict[str, Addressee] = {}
    for person in addressees:
        key = person.address.strip().lower()
        if key and key != sender.lower() and key not in unique:
            unique[key] = person
    return unique
