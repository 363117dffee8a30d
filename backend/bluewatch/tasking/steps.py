"""A task's steps, in the order they happen. A task moves forward only (a step may be
skipped: a unit already at the scene goes from tasked to on scene); ``cancelled`` ends
a task that has not completed. Each step's time is kept in ``<step>_at``."""

from __future__ import annotations

import enum


class TaskStatus(enum.StrEnum):
    TASKED = "tasked"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


FORWARD = (TaskStatus.TASKED, TaskStatus.EN_ROUTE, TaskStatus.ON_SCENE, TaskStatus.COMPLETED)
ACTIVE = (TaskStatus.TASKED, TaskStatus.EN_ROUTE, TaskStatus.ON_SCENE)
ENDED = (TaskStatus.COMPLETED, TaskStatus.CANCELLED)


def may_become(current: TaskStatus, wanted: TaskStatus) -> bool:
    """Forward along the steps, or cancelled while still active."""
    if current in ENDED:
        return False
    if wanted is TaskStatus.CANCELLED:
        return True
    return FORWARD.index(wanted) > FORWARD.index(current)
