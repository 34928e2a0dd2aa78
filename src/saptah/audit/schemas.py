"""Shapes of the audit log: the acts, where an act came from, and an entry as the API shows it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class Act(enum.StrEnum):
    """Every administrative act the log records."""

    STAFF_IMPORT = "staff.import"
    ROLE_GRANT = "role.grant"
    ROLE_REVOKE = "role.revoke"
    PLAN_PUBLISH = "plan.publish"
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_RULES = "campaign.rules"
    CAMPAIGN_EXTEND = "campaign.extend"
    HONOUR_ROLL_PUBLISH = "honour_roll.publish"
    CERTIFICATE_REVOKE = "certificate.revoke"
    LRS_CLIENT_CREATE = "lrs_client.create"
    LRS_CLIENT_REVOKE = "lrs_client.revoke"
    PERSONAL_DATA_EXPORT = "export.personal_data"
    OWN_DATA_DOWNLOAD = "personal_data.download"
    PERSON_ERASE = "personal_data.erase"
    SSO_SIGN_IN = "sign_in.sso"
    SSO_LINK = "sign_in.sso_link"
    SSO_PERSON_CREATE = "sign_in.sso_create"
    SIGN_IN_REFUSED = "sign_in.refused"
    PASSWORD_SIGN_IN_POLICY = "org.password_sign_in"  # noqa: S105 (an act, not a password)
    DISCUSSION_OPEN = "discussion.open_community"
    DISCUSSION_OWNER = "discussion.add_owner"
    DISCUSSION_REPORT = "discussion.report"
    DISCUSSION_HIDE = "discussion.hide"
    DISCUSSION_RESTORE = "discussion.restore"
    ROLE_NEED_SAVE = "role_need.save"
    ROLE_NEED_DELETE = "role_need.delete"
    ROLE_NEED_IMPORT = "role_need.import"


CHANNELS = ("web", "api", "cli", "system")


@dataclass(frozen=True)
class Origin:
    """Where an act came from: the entry point, the client address (or host) and, at the CLI, the OS user."""

    channel: str
    address: str | None = None
    label: str | None = None


SYSTEM = Origin("system")


@dataclass(frozen=True)
class Filters:
    """What the log reader narrowed the log to."""

    actor: str | None = None  # a name or e-mail fragment, or "cli"
    act: str | None = None
    since: date | None = None
    until: date | None = None


class AuditEntryOut(BaseModel):
    """One entry as the API and the export show it."""

    id: int
    at: datetime
    act: str
    actor: str
    actor_id: int | None
    channel: str
    address: str | None
    organisation: str | None
    target: str | None
    target_person: str | None
    details: dict[str, Any] | None
