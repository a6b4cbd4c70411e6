"""Who may do what: roles, their permissions, and the office a token is bound to."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scheduler.model import Role


class Permission(enum.StrEnum):
    READ = "read"  # queue snapshot, live events
    ISSUE = "issue"  # take a ticket, check in
    SERVE = "serve"  # call, act on tickets and counters
    MANAGE = "manage"  # offices, users, tokens
    MODERATE = "moderate"  # hide, restore and answer citizens' ideas
    MEASURE = "measure"  # register the office's measures and see them judged


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DISPLAY: frozenset({Permission.READ}),
    Role.KIOSK: frozenset({Permission.READ, Permission.ISSUE}),
    Role.CLERK: frozenset({Permission.READ, Permission.SERVE}),
    Role.MANAGER: frozenset(
        {
            Permission.READ,
            Permission.ISSUE,
            Permission.SERVE,
            Permission.MANAGE,
            Permission.MODERATE,
            Permission.MEASURE,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    role: Role
    office: str | None  # None only for admins: every office
    username: str | None = None
    #: The token's label ("entrance kiosk"): names a device token's holder in the audit log.
    label: str | None = None

    def may(self, permission: Permission, office: str) -> bool:
        if permission not in ROLE_PERMISSIONS[self.role]:
            return False
        return (self.role is Role.ADMIN and self.office is None) or self.office == office
