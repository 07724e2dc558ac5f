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


class StorageUnavailable(AdvisorError):
    """The database server cannot be reached (said in one line, without the URL)."""


class ConnectionLost(StorageUnavailable):
    """The connection to the database server broke (PostgreSQL restart, failover, ended backend, idle timeout) or
    cannot be made again yet. Nothing the statement belonged to was committed and the next use reconnects: work that
    meets it is left where it is (a turn in the inbox, a reply in the outbox) for a later attempt, and the user is
    not told it failed."""
