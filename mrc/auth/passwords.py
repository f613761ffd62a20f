"""Password hashing (Argon2id) and the password policy."""

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

# Words that make a password guessable *here*, checked besides the general list.
CONTEXT_WORDS = {
    "mrc", "migrant", "migration", "resource", "centre", "center", "counsellor", "counselor",
    "islamabad", "lahore", "baghdad", "erbil", "dhaka", "pakistan", "bangladesh", "iraq",
    "password", "welcome", "admin", "manager",
}


@cache
def common_passwords() -> frozenset[str]:
    """The list of common passwords shipped in ``mrc/auth/data`` (zxcvbn-ts, MIT licence)."""
    text = resources.files("mrc.auth").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A dummy hash to verify against when the user does not exist, so that both answers take as
# long (no user enumeration by timing).
@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return PasswordHasher(time_cost, memory_cost, parallelism=parallelism).hash("not a password")


def burn_verification_time(password: str) -> None:
    config = current_app.config
    dummy = _dummy_hash(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"], config["ARGON2_PARALLELISM"]
    )
    verify_password(dummy, password)


_PADDING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")
_REPEATED = re.compile(r"(.+?)\1+")
# Keyboard rows and alphabets: "qwertyuiopasdf" and "abcdefghijkl" are no secrets.
_SEQUENCES = (
    "qwertyuiopasdfghjklzxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "12345678901234567890",
)


def _is_sequence(text: str) -> bool:
    compact = re.sub(r"[\W_]", "", text)
    return len(compact) >= 6 and any(
        compact in sequence or compact in sequence[::-1] for sequence in _SEQUENCES
    )


def password_problems(password: str, username: str = "") -> list[str]:
    """Translated reasons why ``password`` is refused; empty when it is acceptable."""
    config = current_app.config
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return [str(_l("Use at least %(count)d characters.", count=minimum))]
    if len(password) > maximum:
        return [str(_l("Use at most %(count)d characters.", count=maximum))]
    lowered = password.lower()
    core = _PADDING.match(lowered).group(1)  # "Password2024!" -> "password"
    common = common_passwords()
    repeated = _REPEATED.fullmatch(core)  # "passwordpassword" -> "password"
    unit = repeated.group(1) if repeated else core
    if (
        lowered in common
        or core in common
        or core in CONTEXT_WORDS
        or len(set(lowered)) <= 3
        or _is_sequence(lowered)
        or (repeated and (unit in common or unit in CONTEXT_WORDS or len(unit) <= 4))
    ):
        return [str(_l("This password is too common. Choose a longer phrase of unrelated words."))]
    if username and len(username) >= 3 and username.lower() in lowered:
        return [str(_l("The password must not contain the user name."))]
    return []
