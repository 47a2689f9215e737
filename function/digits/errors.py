"""Domain errors. Each maps to one stable HTTP error code in one place (the app)."""


class DigitError(Exception):
    """Base of every error a client may be told about."""


class EmptyCanvas(DigitError):
    """The image holds no ink that could be a digit (blank canvas, a lone speck)."""


class InvalidImage(DigitError):
    """The bytes are not a readable image of a supported format."""


class ImageTooLarge(DigitError):
    """The body or the image's pixel dimensions exceed the configured limits."""


class UnsupportedMediaType(DigitError):
    """The request's Content-Type is not one the API accepts."""


class ModelUnavailable(DigitError):
    """The model could not be loaded, so no prediction can be made."""


class FeedbackUnavailable(DigitError):
    """Feedback is not configured here (no FEEDBACK_BUCKET), or its store failed."""
