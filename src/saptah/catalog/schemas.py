"""Pydantic shapes of the catalogue: a course as imported or created, and as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from saptah.catalog.models import Category, CourseStatus, LaunchKind

LANGUAGES = {
    "en": "English",
    "hi": "हिन्दी",
    "bn": "বাংলা",
    "te": "తెలుగు",
    "mr": "मराठी",
    "ta": "தமிழ்",
    "ur": "اردو",
    "gu": "ગુજરાતી",
    "kn": "ಕನ್ನಡ",
    "or": "ଓଡ଼ିଆ",
    "ml": "മലയാളം",
    "pa": "ਪੰਜਾਬੀ",
    "as": "অসমীয়া",
    "mai": "मैथिली",
    "sa": "संस्कृतम्",
    "ne": "नेपाली",
}
GROUPS = ("A", "B", "C", "D")


def split_list(value: Any) -> list[str]:
    """A list from a list or a '|' / ',' separated cell."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    sep = "|" if "|" in text else ","
    return [part.strip() for part in text.split(sep) if part.strip()]


class ModuleIn(BaseModel):
    """One module of a native course."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    title_hi: str | None = Field(None, max_length=300, description="the title in Hindi")
    kind: str = Field("text", pattern="^(text|video|pdf)$")
    body: str | None = Field(None, max_length=20000)
    body_hi: str | None = Field(None, max_length=20000, description="the text in Hindi")
    url: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    minutes: int | None = Field(None, ge=1, le=10_000, description="declared; default: an even share of the course")


class QuestionIn(BaseModel):
    """A multiple-choice question; `answer` is the index of the right option."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=1000)
    options: list[str] = Field(min_length=2, max_length=8)
    answer: int = Field(ge=0)
    prompt_hi: str | None = Field(None, min_length=1, max_length=1000, description="the question in Hindi")
    options_hi: list[str] | None = Field(None, description="the options in Hindi, in the same order")

    @model_validator(mode="after")
    def _answer_in_range(self) -> QuestionIn:
        if self.answer >= len(self.options):
            raise ValueError("the answer must be the number of one of the options (counting from 0)")
        if self.options_hi is not None and len(self.options_hi) != len(self.options):
            raise ValueError("options_hi must give every option, in the same order as options")
        return self


class AssessmentIn(BaseModel):
    """A course's assessment: pass mark in percent, attempts allowed, questions."""

    model_config = ConfigDict(extra="forbid")

    pass_mark: int = Field(60, ge=1, le=100)
    max_attempts: int = Field(3, ge=1, le=20)
    questions: list[QuestionIn] = Field(min_length=1, max_length=100)


class CourseIn(BaseModel):
    """A course as imported (CSV/JSON row) or created through the API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title_en: str = Field(min_length=3, max_length=300)
    title_hi: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=5000)
    provider: str | None = Field(None, max_length=40)
    duration_minutes: int = Field(ge=1, le=100000)
    category: Category = Category.COURSE
    languages: list[str] = Field(default_factory=lambda: ["en"])
    competencies: list[str] = Field(default_factory=list)
    sector: str | None = Field(None, max_length=120)
    target_groups: list[str] = Field(default_factory=list)
    status: CourseStatus = CourseStatus.DRAFT
    launch_kind: LaunchKind = LaunchKind.NATIVE
    launch_url: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    activity_id: str | None = Field(None, max_length=500, pattern=r"^[a-z][a-z0-9+.-]*:")
    cmi5_aus: list[dict[str, Any]] | None = None
    modules: list[ModuleIn] = Field(default_factory=list, max_length=100)
    assessment: AssessmentIn | None = None

    @field_validator("languages", "competencies", "target_groups", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return split_list(value)

    @field_validator("title_hi", "description", "provider", "sector", "launch_url", "activity_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)}; use {', '.join(LANGUAGES)}")
        return value or ["en"]

    @field_validator("target_groups")
    @classmethod
    def _known_groups(cls, value: list[str]) -> list[str]:
        groups = [v.upper().removeprefix("GROUP ").strip() for v in value]
        if any(g not in GROUPS for g in groups):
            raise ValueError("target groups are A, B, C or D")
        return groups

    @model_validator(mode="after")
    def _launch(self) -> CourseIn:
        if self.launch_kind == LaunchKind.EXTERNAL and not self.launch_url:
            raise ValueError("an external course needs a launch_url")
        if self.launch_kind == LaunchKind.CMI5 and not self.cmi5_aus:
            raise ValueError("a cmi5 course needs its list of AUs (cmi5_aus)")
        for au in self.cmi5_aus or []:
            if not isinstance(au.get("id"), str) or not isinstance(au.get("url"), str):
                raise ValueError("every cmi5 AU needs an id and a url")
        return self


class CourseOut(BaseModel):
    """A course as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    title_en: str
    title_hi: str | None
    description: str | None
    provider_org_id: int
    duration_minutes: int
    category: str
    language_list: list[str]
    sector: str | None
    group_list: list[str]
    status: str
    launch_kind: str
    launch_url: str | None
    activity_id: str


class CoursePage(BaseModel):
    """One page of search results."""

    total: int
    page: int
    size: int
    items: list[CourseOut]


class EnrolmentOut(BaseModel):
    """An enrolment as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    person_id: int
    course_id: int
    enrolled_at: datetime
    progress_percent: int


class BulkEnrolIn(BaseModel):
    """An admin enrols people by e-mail."""

    model_config = ConfigDict(extra="forbid")

    emails: list[str] = Field(min_length=1, max_length=5000)


class RatingIn(BaseModel):
    """A rating: 1-5 stars and an optional review."""

    model_config = ConfigDict(extra="forbid")

    stars: int
    review: str | None = Field(None, max_length=2000)


class CompletionOut(BaseModel):
    """A completion as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    person_id: int
    course_id: int
    completed_at: datetime
    source: str
    assessment_passed: bool


class ShortCompletionOut(BaseModel):
    """A native completion whose time on task was unusually short."""

    model_config = ConfigDict(from_attributes=True)

    person_id: int
    name: str
    email: str
    completed_at: datetime
    minutes_on_task: float


class TimeOnTaskOut(BaseModel):
    """A course's native completions and those with unusually short time on task."""

    course_id: int
    declared_minutes: int
    required_share: float
    completions: int
    short: list[ShortCompletionOut]
