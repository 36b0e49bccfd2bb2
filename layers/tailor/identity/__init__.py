"""Identity: pseudonymous subjects, placeholder ids, signed identity tokens."""

from tailor.identity.exceptions import IdentityError, NoUsableId, TokenInvalid
from tailor.identity.subjects import SubjectHasher, usable_id
from tailor.identity.tokens import IdentityTokens

__all__ = [
    "IdentityError",
    "IdentityTokens",
    "NoUsableId",
    "SubjectHasher",
    "TokenInvalid",
    "usable_id",
]
