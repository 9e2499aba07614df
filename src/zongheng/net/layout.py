"""What the dashboard leads each panel with: a handful of cards (the figures a secretary looks at first). Every
other registered figure of the panel is in the panel's full table below the cards, and any of them can be drawn
by child organisation in the panel's chart. A code not registered is skipped."""

from __future__ import annotations

CARDS: dict[str, tuple[str, ...]] = {
    "tree": ("tree.grids", "tree.households", "tree.temp_branches", "tree.temp_groups", "tree.functional",
             "tree.teams"),
    "vertical": ("vertical.meetings_held", "vertical.joint_meetings", "vertical.meetings_on_cadence_rate",
                 "vertical.notices_sent", "vertical.ack_rate"),
    "horizontal": ("horizontal.street_councils", "horizontal.community_councils", "horizontal.agreements",
                   "horizontal.problems_solved", "horizontal.pairings_pace_rate", "horizontal.needs_match_rate"),
    "lists": ("lists.tasks", "lists.tasks_on_track", "lists.tasks_overdue", "lists.projects", "lists.rect_overdue",
              "lists.funds_spent"),
    "members": ("members.registered", "members.visits", "members.activities", "members.participations",
                "members.duty_members"),
    "demands": ("demands.received", "demands.response_rate", "demands.resolution_rate",
                "demands.satisfaction_rate", "demands.overdue"),
}
