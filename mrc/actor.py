"""Who is acting: passed from views and CLI commands to services, which never read ``request``."""

from dataclasses import dataclass

from mrc.auth.models import User


@dataclass(frozen=True)
class Actor:
    user: User
    remote_addr: str = ""
