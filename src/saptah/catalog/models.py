"""Tables of the catalogue: courses, competencies, programs, modules, enrolments, completions, ratings."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow

# The PostgreSQL full-text document; queries repeat the same expression so the GIN index serves them.
SEARCH_EXPR = (
    "to_tsvector('simple', coalesce(title_en, '') || ' ' || coalesce(title_hi, '') || ' ' || coalesce(description, ''))"
)


class CourseStatus(enum.StrEnum):
    """A course's life: drafted, published, withdrawn."""

    DRAFT = "draft"
    LIVE = "live"
    RETIRED = "retired"


class LaunchKind(enum.StrEnum):
    """How a course is taken: the native player, an external URL tracked by xAPI, a cmi5 or a SCORM package."""

    NATIVE = "native"
    EXTERNAL = "external"
    CMI5 = "cmi5"
    SCORM = "scorm"


class Category(enum.StrEnum):
    """Course categories as iGOT names them."""

    COURSE = "Course"
    MODERATED = "Moderated Course"
    CURATED_PROGRAM = "Curated Program"
    BLENDED_PROGRAM = "Blended Program"
    ASSESSMENT = "Standalone Assessment"
    PATHWAY = "Learning Pathway"


class CompetencyArea(enum.StrEnum):
    """The three areas of the competency dictionary."""

    BEHAVIOURAL = "Behavioural"
    FUNCTIONAL = "Functional"
    DOMAIN = "Domain"


class Competency(Base):
    """One entry of the competency dictionary: area, theme, sub-theme."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    area: Mapped[str] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(120))
    sub_theme: Mapped[str | None] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Course(Base):
    """A course from a content provider; `activity_id` is the xAPI IRI its statements use."""

    __tablename__ = "courses"
    __table_args__ = (
        Index("ix_courses_status_provider", "status", "provider_org_id"),
        Index(
            "ix_courses_search",
            text(SEARCH_EXPR),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_hi: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40), default=Category.COURSE.value)
    languages: Mapped[str] = mapped_column(String(200), default="en")  # '|'-separated ISO codes
    sector: Mapped[str | None] = mapped_column(String(120))
    target_groups: Mapped[str | None] = mapped_column(String(60))  # '|'-separated: A|B|C|D
    status: Mapped[str] = mapped_column(String(10), default=CourseStatus.DRAFT.value, index=True)
    launch_kind: Mapped[str] = mapped_column(String(10), default=LaunchKind.NATIVE.value)
    launch_url: Mapped[str | None] = mapped_column(String(1000))
    activity_id: Mapped[str] = mapped_column(String(500), unique=True)
    cmi5_aus: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # [{id, url, moveOn, masteryScore}]
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {pass_mark, max_attempts, questions}
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def language_list(self) -> list[str]:
        """Languages as a list."""
        return [x for x in (self.languages or "").split("|") if x]

    @property
    def group_list(self) -> list[str]:
        """Target groups as a list."""
        return [x for x in (self.target_groups or "").split("|") if x]


class CourseCompetency(Base):
    """Which competencies a course builds."""

    __tablename__ = "course_competencies"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True, index=True)
    # the proficiency level (1-5) the course declares it builds; a completion adds it to the learner's passport
    level: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")


class CourseModule(Base):
    """One step of a native course: text, a video link or a PDF link."""

    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(300))
    title_hi: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10), default="text")  # text | video | pdf
    body: Mapped[str | None] = mapped_column(Text)
    body_hi: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    minutes: Mapped[int | None] = mapped_column(Integer)  # declared; None: an even share of the course's duration


class Collection(Base):
    """An ordered set of courses (a collection or a program) with its own completion rule."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_hi: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12), default="program")  # program | collection
    rule: Mapped[str] = mapped_column(String(6), default="all")  # all | n
    required_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CollectionItem(Base):
    """A course in a collection, in order."""

    __tablename__ = "collection_items"

    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(SmallInteger)


class Enrolment(Base):
    """A person enrolled in a course; progress and resume point live here."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("person_id", "course_id"), Index("ix_enrolments_course", "course_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    progress_percent: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_module_id: Mapped[int | None] = mapped_column(ForeignKey("course_modules.id", ondelete="SET NULL"))
    seconds_in_use: Mapped[int] = mapped_column(Integer, default=0)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfied_aus: Mapped[list[str] | None] = mapped_column(JSON)  # cmi5 AU ids already satisfied
    # a provider's xAPI statement claimed completion of this native course: stored, never credited (a native course
    # completes only in Saptah's player, when every module was really taken); shown to the learner with the reason
    xapi_completion_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CourseCompletion(Base):
    """A person finished a course, by any path; once per person and course."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("person_id", "course_id"), Index("ix_course_completions_course", "course_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(10))  # native | xapi | bulk
    assessment_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModuleProgress(Base):
    """A person's progress through one module of a native course."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("person_id", "module_id"),
        Index("ix_module_progress_pc", "person_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"))
    seconds_in_use: Mapped[int] = mapped_column(Integer, default=0)
    watched: Mapped[list[list[float]] | None] = mapped_column(JSON)  # an inline video's watched ranges, in seconds
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AssessmentAttempt(Base):
    """One submitted attempt at a course's assessment."""

    __tablename__ = "assessment_attempts"
    __table_args__ = (UniqueConstraint("person_id", "course_id", "attempt_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(SmallInteger)
    score_percent: Mapped[int] = mapped_column(SmallInteger)
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[list[int | None]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(Base):
    """A person's 1-5 star rating of a course, with an optional review; changeable."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("person_id", "course_id"), Index("ix_ratings_course", "course_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    stars: Mapped[int] = mapped_column(SmallInteger)
    review: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScormPackage(Base):
    """A SCORM 1.2 or 2004 package: a whole course (`module_id` None) or one module of a native course."""

    __tablename__ = "scorm_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), unique=True)
    version: Mapped[str] = mapped_column(String(4))  # 1.2 | 2004
    title: Mapped[str] = mapped_column(String(300))
    scos: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{id, title, href, mastery_score}] in order
    file_count: Mapped[int] = mapped_column(Integer)
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScormFile(Base):
    """One file of a SCORM package, served from Saptah's origin with the content type fixed at upload."""

    __tablename__ = "scorm_files"

    package_id: Mapped[int] = mapped_column(ForeignKey("scorm_packages.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(400), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
