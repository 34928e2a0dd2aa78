"""The catalogue: courses, competencies, programs, native modules and assessments, enrolment and completion."""
