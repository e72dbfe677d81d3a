"""The one exception the command line turns into a one-line message and exit 1."""


class TrackerError(Exception):
    """A user-facing error: bad input, unknown record, broken registry."""


class InvalidValue(TrackerError):
    """A value given for a named field cannot be accepted."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        shown = repr(value) if isinstance(value, str) else str(value)
        if len(shown) > 80:
            shown = shown[:77] + "...'"
        super().__init__(f"{field}: {reason} (got {shown})")
        self.field = field
        self.value = value
        self.reason = reason


class NotFound(TrackerError):
    """A referenced record does not exist."""
