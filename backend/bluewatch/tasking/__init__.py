"""The response loop (issue 20): alerts handed to units, each task's steps timed, and
the response times a mission tracks."""
