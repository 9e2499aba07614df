"""What 一横's units part registers with the ground (called by ``cobuild.hooks.register``)."""


def register() -> None:
    pass
