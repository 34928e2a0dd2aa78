"""Words Saptah shows from stored values (statuses, themes, groups), marked here so the catalogues carry them.

Templates show such a value as `t(value)`; a value not listed here is shown as stored.
"""

from __future__ import annotations

from saptah.web.i18n import N_

WORDS = [
    # course, plan, honour-roll and campaign statuses
    N_("draft"), N_("live"), N_("retired"), N_("published"), N_("withdrawn"), N_("superseded"),
    N_("upcoming"), N_("running"), N_("ended"), N_("closed"), N_("queued"), N_("done"), N_("failed"),
    # course categories and themes (sectors) of the reference catalogue and events
    N_("Course"), N_("Program"), N_("Administration"), N_("Citizen engagement"), N_("Environment"),
    N_("Governance"), N_("Health"), N_("Leadership"), N_("Technology"), N_("Well-being"), N_("Workplace"),
    N_("Inspirational stories"), N_("Citizen centricity"), N_("Indian Knowledge Systems"), N_("Infrastructure"),
    N_("Economy"), N_("Finance"), N_("Geopolitics"), N_("Agriculture"), N_("Education"),
    N_("Climate / Disaster Management"), N_("International Affairs"), N_("Wellness"),
    # service groups
    N_("Group A"), N_("Group B"), N_("Group C"), N_("Group D"),
    # languages shown by their English name
    N_("English"),
    # leaderboards
    N_("National"),
    # large numbers in the Indian system
    N_("lakh"), N_("crore"),
]  # fmt: skip
