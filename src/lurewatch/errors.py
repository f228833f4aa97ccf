"""The exception tree. Every error a user can see is a LurewatchError with a one-line message."""


class LurewatchError(Exception):
    """Base of every error lurewatch raises on purpose."""


class ConfigError(LurewatchError):
    """The configuration file is missing, unreadable or holds an invalid value."""


class InputError(LurewatchError):
    """A path given on the command line cannot be read or its format is unknown."""


class RecordError(LurewatchError):
    """One record of an input could not be read; it becomes a row in `rejects`."""


class StoreError(LurewatchError):
    """The database cannot be opened or written."""


class DetectionError(LurewatchError):
    """A detection is malformed (bad metadata, examples that do not hold)."""
