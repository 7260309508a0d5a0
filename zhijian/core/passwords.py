"""Password rules (等保 2.0 level 3 habits) and the password hasher."""

from __future__ import annotations

import string

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    """Count the classes present: lower case, upper case, digits, other symbols."""
    present = {name for name, chars in CHARACTER_CLASSES if any(c in chars for c in password)}
    known = set().union(*(chars for _name, chars in CHARACTER_CLASSES))
    if any(c not in known for c in password):
        present.add("symbol")
    return len(present)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes}


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane).

    Django's default (100 MiB, 8 lanes) costs far more CPU per login than a two-core
    server can afford for 100 simultaneous logins; see bench/login.py and docs/security.md.
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1

