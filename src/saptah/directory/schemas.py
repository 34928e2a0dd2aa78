"""Pydantic shapes of the directory, and the Principal every access check takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from saptah.core.strict_types import Day
from saptah.directory.models import Role


@dataclass(frozen=True)
class Scope:
    """A role over an organisation subtree; path None means the whole country."""

    role: Role
    org_id: int | None
    path: str | None


@dataclass(frozen=True)
class Principal:
    """Who is acting: a person, their organisation and their scoped roles."""

    person_id: int
    org_id: int
    org_path: str
    full_name: str
    scopes: tuple[Scope, ...] = field(default_factory=tuple)
    token_scopes: frozenset[str] | None = None  # None: a signed-in person; else an API token's scopes

    def has(self, role: Role) -> bool:
        """True when the principal holds the role anywhere."""
        return any(s.role == role for s in self.scopes)

    @property
    def is_national(self) -> bool:
        """National organisers see everything."""
        return self.has(Role.NATIONAL_ORGANISER)

    def paths_for(self, *roles: Role) -> list[str] | None:
        """Subtree paths where the principal holds one of the roles; None means everywhere."""
        if self.is_national:
            return None
        return [s.path for s in self.scopes if s.role in roles and s.path is not None]

    def covers(self, org_path: str, *roles: Role) -> bool:
        """True when one of the roles is held over the organisation with this path."""
        paths = self.paths_for(*roles)
        return paths is None or any(org_path.startswith(p) for p in paths)

    @property
    def home_role(self) -> str:
        """The role whose home page this person sees first."""
        for role in (Role.NATIONAL_ORGANISER, Role.MDO_LEADER, Role.MDO_ADMIN, Role.CONTENT_PROVIDER):
            if self.has(role):
                return role.value
        return "learner"


class OrgOut(BaseModel):
    """An organisation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_en: str
    name_hi: str | None
    type: str
    parent_id: int | None
    depth: int


class OrgCreate(BaseModel):
    """A new organisation under a parent."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9_]{2,40}$")
    name_en: str = Field(min_length=2, max_length=255)
    name_hi: str | None = Field(None, max_length=255)
    type: str
    parent_code: str | None = None


class PersonOut(BaseModel):
    """A person as an admin who may see them sees them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    email: str
    mobile: str | None
    group: str | None
    designation: str | None
    employee_id: str | None
    org_id: int
    status: str
    joined_on: date | None
    tags: list[str] = Field(default_factory=list, validation_alias="tag_list")


class PersonCreate(BaseModel):
    """A new person entered by hand (bulk onboarding has its own row rules)."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    org_code: str
    mobile: str | None = Field(None, pattern=r"^[0-9]{10}$")
    group: str | None = None
    designation: str | None = Field(None, max_length=200)
    employee_id: str | None = Field(None, pattern=r"^[A-Za-z0-9]{1,30}$")
    joined_on: Day | None = None


class PeoplePage(BaseModel):
    """One page of a people search."""

    total: int
    page: int
    size: int
    items: list[PersonOut]


class GrantIn(BaseModel):
    """Grant a role over an organisation subtree."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: Role
    org_code: str | None = None
    expires_on: Day | None = None


class RoleGrantOut(BaseModel):
    """A held role."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    role: str
    org_id: int | None
    expires_on: date | None
