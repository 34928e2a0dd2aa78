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
    N_("Group A"), N_("Group B"), N_("Group C"), N_("Group D"), N_("Contractual Staff"), N_("Others"),
    # kinds of organisation (shown with spaces for underscores)
    N_("ministry"), N_("department"), N_("attached office"), N_("subordinate office"), N_("autonomous body"),
    N_("regulatory body"), N_("training institute"), N_("psu"), N_("state"), N_("state department"), N_("ulb"),
    N_("content provider"), N_("national"),
    # competency areas
    N_("Behavioural"), N_("Functional"), N_("Domain"),
    # a person's status; an onboarding row's outcome
    N_("active"), N_("inactive"), N_("erased"), N_("Created"), N_("Updated"), N_("Unchanged"), N_("Failed"),
    N_("Will be created"), N_("Will be updated"), N_("No change"),
    # languages shown by their English name
    N_("English"),
    # leaderboards
    N_("National"),
    # large numbers in the Indian system
    N_("lakh"), N_("crore"),
]  # fmt: skip
