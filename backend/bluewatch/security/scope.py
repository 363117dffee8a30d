"""One scope rule for admin objects: an administrator manages only what lies within
their own clearance.

Users, API keys and webhook subscriptions carry a ``clearance``; audit entries carry the
``classification`` of what they are about. Above the administrator's clearance such an
object does not exist for them (404, absent from lists and counts), exactly as a record
above a reader's clearance does. Every admin store function takes the scope and puts
one of these conditions into its SQL, so no admin query is written without it.
"""

from __future__ import annotations

from bluewatch.classification import Classification

# For tables whose rows hold a grant: app_user, api_key, webhook.
CLEARANCE_WITHIN = "clearance <= CAST(:scope AS classification)"
# For audit entries: those about nothing classified (sign-in failures, denials) are
# every administrator's; the rest only up to the administrator's clearance.
ENTRY_WITHIN = "(classification IS NULL OR classification <= CAST(:scope AS classification))"


def bound(scope: Classification) -> dict[str, str]:
    """The value the conditions above are bound to."""
    return {"scope": scope.value}
