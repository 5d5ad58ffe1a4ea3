"""The learning API: a member's own progress, reported by the player."""

from ninja import Router

router = Router(tags=["learning"])
