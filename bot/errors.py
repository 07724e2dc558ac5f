"""Small exception types; the CLI and the adapters turn them into user messages at the edge."""


class AdvisorError(Exception):
    """Base class for errors the user should see as a clear message."""


class InputError(AdvisorError):
    """The user's input cannot be used as given."""


class NotFoundError(AdvisorError):
    """A conversation, assessment or resource does not exist."""


class PermissionDeniedError(AdvisorError):
    """The user may not do this."""


class OutdatedError(PermissionDeniedError):
    """The user acted on something a newer version has replaced (e.g. a form filled from older answers)."""
