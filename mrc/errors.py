"""Errors that services raise for input a person can correct."""


class FieldError(ValueError):
    """A refusal to show beside one form field; nothing was saved.

    ``field`` names the form field (None: the form as a whole); ``message`` is translated.
    """

    def __init__(self, field: str | None, message):
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
