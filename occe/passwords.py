"""Password hashing and the password policy.

At least 12 characters, no character-class rules, and nothing guessable: zxcvbn
estimates how many guesses a password takes, knowing the user's own words.
"""

import secrets

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

# zxcvbn scores 0 to 4; 3 is "safely unguessable: moderate protection from offline attacks".
MIN_SCORE = 3
MAX_LENGTH = 200
# Hashed once so that an unknown identifier costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def hash_password(password):
    """Return a slow salted hash (Werkzeug's scrypt)."""
    return generate_password_hash(password)


def verify_password(password_hash, password):
    """Check ``password`` against ``password_hash`` (or a dummy hash, to spend the same time)."""
    return check_password_hash(password_hash or _DUMMY_HASH, password) and bool(password_hash)


def password_problem(password, min_length=12, user_inputs=()):
    """Return a French message saying what is wrong with a new password, or None."""
    if len(password) < min_length:
        return f"Le mot de passe doit compter au moins {min_length} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères."
    words = [w for w in user_inputs if w]
    # zxcvbn refuses more than 72 characters; a longer password is as strong as its start.
    if zxcvbn(password[:72], user_inputs=words)["score"] < MIN_SCORE:
        return (
            "Ce mot de passe est trop facile à deviner (mot courant, suite, date, nom…). "
            "Choisissez par exemple quatre mots sans rapport entre eux."
        )
    return None


def temporary_password():
    """Return a temporary password that passes the policy, for a new or reset account."""
    # No 0/o, 1/l/i: the password is read on a printed letter and typed by hand.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
    return "-".join(groups)
