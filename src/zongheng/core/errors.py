class ActionError(Exception):
    """A write refused for a reason the user can fix; the message is shown in Chinese."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def checked_text(value: object, label: str, limit: int, *, required: bool = False) -> str:
    """A text input as an action stores it: stripped, NUL removed; refused in Chinese when required and empty or
    longer than ``limit`` characters."""
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ActionError(f"请填写{label}")
    if len(text) > limit:
        raise ActionError(f"{label}最多 {limit} 个字，现在是 {len(text)} 个字")
    return text
