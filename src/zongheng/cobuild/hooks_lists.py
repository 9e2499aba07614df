"""What 一横's lists part registers with the ground (called by ``cobuild.hooks.register``)."""


def register() -> None:
    pass
