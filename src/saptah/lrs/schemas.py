"""Strict xAPI data models (1.0.3, and 2.0 = IEEE 9274.1.1): every structural rule, unknown properties refused.

The version a statement is checked against comes in the validation context (`{"version": "2.0.0"}`); the models
differ only where 2.0 added to the data model (context agents and groups)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    model_validator,
)

IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
LANG_RE = re.compile(r"^(?:[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*|\*)$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
EMAIL_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
# ISO 8601 durations: PnYnMnDTnHnMnS, or weeks alone (PnW: weeks combine with no other unit).
DURATION_RE = re.compile(
    r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
    r"|^P\d+(\.\d+)?W$"
)
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
)


def _iri(value: str) -> str:
    if not IRI_RE.match(value):
        raise ValueError(f"'{value}' is not an IRI (it needs a scheme such as https:)")
    return value


def _uuid(value: str) -> str:
    if not UUID_RE.match(value):
        raise ValueError(f"'{value}' is not a UUID")
    return value.lower()


def _lang_map(value: dict[str, str]) -> dict[str, str]:
    for tag in value:
        if not LANG_RE.match(tag):
            raise ValueError(f"'{tag}' is not an RFC 5646 language tag")
    return value


def _extensions(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if not IRI_RE.match(key):
            raise ValueError(f"extension key '{key}' is not an IRI")
    return value


def _duration(value: str) -> str:
    if not DURATION_RE.match(value):
        raise ValueError(f"'{value}' is not an ISO 8601 duration")
    return value


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp, refusing the '-00:00' offset the spec forbids; one without an offset is read as UTC
    (xAPI 1.0.3 part 2, 4.5: the LRS may interpret it so)."""
    if not TIMESTAMP_RE.match(value) or value.endswith(("-00:00", "-0000", "-00")):
        raise ValueError(f"'{value}' is not an ISO 8601 timestamp")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    if re.search(r"[+-]\d{2}$", text):
        text += ":00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a valid timestamp") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _timestamp(value: str) -> str:
    parse_timestamp(value)
    return value


def _version(value: str) -> str:
    if not re.match(r"^(1\.0(\.\d+)?|2\.0\.\d+)$", value):
        raise ValueError(f"version '{value}' is not a supported xAPI version (1.0.x)")
    return value


IRI = Annotated[str, AfterValidator(_iri)]
UUID = Annotated[str, AfterValidator(_uuid)]
LanguageMap = Annotated[dict[str, str], AfterValidator(_lang_map)]
Extensions = Annotated[dict[str, Any], AfterValidator(_extensions)]
Duration = Annotated[str, AfterValidator(_duration)]
Timestamp = Annotated[str, AfterValidator(_timestamp)]


class Strict(BaseModel):
    """Unknown properties and explicit nulls are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if value is None:
                    raise ValueError(f"'{key}' must not be null")
        return data


class Account(Strict):
    """An account on a system: homePage IRL + name."""

    homePage: IRI
    name: str


def _mbox(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise ValueError("mbox must be a mailto: IRI with an e-mail address")
    return value


def _sha1(value: str) -> str:
    if not SHA1_RE.match(value):
        raise ValueError("mbox_sha1sum must be 40 hexadecimal characters")
    return value


class _Identified(Strict):
    name: str | None = None
    mbox: Annotated[str, AfterValidator(_mbox)] | None = None
    mbox_sha1sum: Annotated[str, AfterValidator(_sha1)] | None = None
    openid: IRI | None = None
    account: Account | None = None

    def ifi_count(self) -> int:
        """How many inverse functional identifiers are given."""
        return sum(x is not None for x in (self.mbox, self.mbox_sha1sum, self.openid, self.account))


class Agent(_Identified):
    """An agent with exactly one inverse functional identifier."""

    objectType: Literal["Agent"] | None = None

    @model_validator(mode="after")
    def _one_ifi(self) -> Agent:
        if self.ifi_count() != 1:
            raise ValueError("an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")
        return self


class Group(_Identified):
    """An identified group (one IFI) or an anonymous group (members, no IFI)."""

    objectType: Literal["Group"]
    member: list[Agent] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Group:
        n = self.ifi_count()
        if n > 1:
            raise ValueError("a Group may have at most one of mbox, mbox_sha1sum, openid, account")
        if n == 0 and not self.member:
            raise ValueError("an anonymous Group needs at least one member")
        return self


def _kind(default: str) -> Any:
    def pick(value: Any) -> str | None:
        if isinstance(value, dict):
            kind = value.get("objectType", default)
            return kind if isinstance(kind, str) else None
        if isinstance(value, BaseModel):
            return getattr(value, "objectType", None) or default
        return None

    return Discriminator(pick)


Actor = Annotated[Annotated[Agent, Tag("Agent")] | Annotated[Group, Tag("Group")], _kind("Agent")]


class Verb(Strict):
    """A verb: IRI and display names."""

    id: IRI
    display: LanguageMap | None = None


class InteractionComponent(Strict):
    """One choice, scale point, source, target or step of an interaction."""

    id: str
    description: LanguageMap | None = None


class ActivityDefinition(Strict):
    """What an activity is."""

    name: LanguageMap | None = None
    description: LanguageMap | None = None
    type: IRI | None = None
    moreInfo: IRI | None = None
    extensions: Extensions | None = None
    interactionType: Literal[INTERACTION_TYPES] | None = None  # type: ignore[valid-type]
    correctResponsesPattern: list[str] | None = None
    choices: list[InteractionComponent] | None = None
    scale: list[InteractionComponent] | None = None
    source: list[InteractionComponent] | None = None
    target: list[InteractionComponent] | None = None
    steps: list[InteractionComponent] | None = None

    @model_validator(mode="after")
    def _interaction(self) -> ActivityDefinition:
        used = [k for k in ("choices", "scale", "source", "target", "steps") if getattr(self, k) is not None]
        if (used or self.correctResponsesPattern is not None) and self.interactionType is None:
            raise ValueError("interaction components need an interactionType")
        allowed = {
            "choice": {"choices"},
            "sequencing": {"choices"},
            "likert": {"scale"},
            "matching": {"source", "target"},
            "performance": {"steps"},
        }.get(self.interactionType or "", set())
        wrong = [k for k in used if k not in allowed]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} not allowed for interactionType '{self.interactionType}'")
        for k in used:
            ids = [c.id for c in getattr(self, k)]
            if len(ids) != len(set(ids)):
                raise ValueError(f"{k} ids must be unique")
        return self


class Activity(Strict):
    """An activity object."""

    objectType: Literal["Activity"] | None = None
    id: IRI
    definition: ActivityDefinition | None = None


class StatementRef(Strict):
    """A reference to another statement."""

    objectType: Literal["StatementRef"]
    id: UUID


class Score(Strict):
    """A score; scaled in [-1, 1], raw within [min, max]."""

    scaled: float | int | None = Field(None, ge=-1, le=1)
    raw: float | int | None = None
    min: float | int | None = None
    max: float | int | None = None

    @model_validator(mode="after")
    def _range(self) -> Score:
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("score min must be less than max")
        if self.raw is not None:
            if self.min is not None and self.raw < self.min:
                raise ValueError("score raw is below min")
            if self.max is not None and self.raw > self.max:
                raise ValueError("score raw is above max")
        return self


class Result(Strict):
    """The outcome of the statement."""

    score: Score | None = None
    success: bool | None = None
    completion: bool | None = None
    response: str | None = None
    duration: Duration | None = None
    extensions: Extensions | None = None


class ContextActivities(Strict):
    """Parent, grouping, category, other: each an activity or a list of them."""

    parent: Activity | list[Activity] | None = None
    grouping: Activity | list[Activity] | None = None
    category: Activity | list[Activity] | None = None
    other: Activity | list[Activity] | None = None


class ContextAgent(Strict):
    """xAPI 2.0: an agent relevant to the statement's context, and the activity types it is relevant to."""

    objectType: Literal["contextAgent"]
    agent: Agent
    relevantTypes: Annotated[list[IRI], Field(min_length=1)] | None = None


class ContextGroup(Strict):
    """xAPI 2.0: a group relevant to the statement's context, and the activity types it is relevant to."""

    objectType: Literal["contextGroup"]
    group: Group
    relevantTypes: Annotated[list[IRI], Field(min_length=1)] | None = None


def is_v2(info: ValidationInfo) -> bool:
    """True when the statement is checked against xAPI 2.0."""
    return isinstance(info.context, dict) and info.context.get("version") == "2.0.0"


class Context(Strict):
    """The context of a statement."""

    registration: UUID | None = None
    instructor: Actor | None = None
    team: Group | None = None
    contextActivities: ContextActivities | None = None
    contextAgents: list[ContextAgent] | None = None
    contextGroups: list[ContextGroup] | None = None
    revision: str | None = None
    platform: str | None = None
    language: str | None = None
    statement: StatementRef | None = None
    extensions: Extensions | None = None

    @model_validator(mode="after")
    def _language(self, info: ValidationInfo) -> Context:
        if self.language is not None and not LANG_RE.match(self.language):
            raise ValueError(f"context language '{self.language}' is not an RFC 5646 tag")
        if (self.contextAgents is not None or self.contextGroups is not None) and not is_v2(info):
            raise ValueError(
                "contextAgents and contextGroups are xAPI 2.0 properties (send X-Experience-API-Version 2.0.0)"
            )
        return self


class AttachmentMeta(Strict):
    """Attachment metadata in a statement."""

    usageType: IRI
    display: LanguageMap
    description: LanguageMap | None = None
    contentType: str
    length: int = Field(ge=0)
    sha2: str = Field(pattern=r"^[0-9a-fA-F]{56,128}$")
    fileUrl: IRI | None = None


def _check_context_rules(obj: Any, context: Context | None) -> None:
    has_activity_only = context is not None and (context.revision is not None or context.platform is not None)
    if has_activity_only and not isinstance(obj, Activity):
        raise ValueError("context revision and platform are only allowed when the object is an Activity")


SubObject = Annotated[
    Annotated[Activity, Tag("Activity")]
    | Annotated[Agent, Tag("Agent")]
    | Annotated[Group, Tag("Group")]
    | Annotated[StatementRef, Tag("StatementRef")],
    _kind("Activity"),
]


class _StatementBase(Strict):
    actor: Actor
    verb: Verb
    result: Result | None = None
    context: Context | None = None
    timestamp: Timestamp | None = None
    attachments: list[AttachmentMeta] | None = None

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a statement must be a JSON object")
        for key in ("actor", "verb", "object"):
            if key not in data:
                raise ValueError(f"a statement needs '{key}'")
        return data


class SubStatement(_StatementBase):
    """A statement used as an object: no id, stored, version or authority."""

    objectType: Literal["SubStatement"]
    object: SubObject

    @model_validator(mode="after")
    def _parts(self) -> SubStatement:
        _check_context_rules(self.object, self.context)
        return self


StatementObject = Annotated[
    Annotated[Activity, Tag("Activity")]
    | Annotated[Agent, Tag("Agent")]
    | Annotated[Group, Tag("Group")]
    | Annotated[StatementRef, Tag("StatementRef")]
    | Annotated[SubStatement, Tag("SubStatement")],
    _kind("Activity"),
]


class Statement(_StatementBase):
    """A full statement as sent to the LRS."""

    id: UUID | None = None
    object: StatementObject
    stored: Timestamp | None = None
    authority: Actor | None = None
    version: Annotated[str, AfterValidator(_version)] | None = None

    @model_validator(mode="after")
    def _parts(self) -> Statement:
        if self.verb.id == VOIDED and not isinstance(self.object, StatementRef):
            raise ValueError("a voiding statement's object must be a StatementRef")
        if isinstance(self.authority, Group) and (self.authority.ifi_count() or len(self.authority.member or []) != 2):
            raise ValueError("a Group authority must be anonymous with exactly two Agents (an OAuth consumer and user)")
        _check_context_rules(self.object, self.context)
        return self
