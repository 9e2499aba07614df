class ActionError(Exception):
    """A write refused for a reason the user can fix; the message is shown in Chinese."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
