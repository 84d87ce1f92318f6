"""Sign-in and identity: roles, principals, argon2 passwords, hashed API tokens and sessions, audit.

``fundsvc.auth.roles`` defines who a caller is (:class:`Principal`); ``fundsvc.auth.accounts``
stores users, tokens, sessions, run owners and the audit log. What a principal may *see* and
*do* is decided in one place, :mod:`fundsvc.service.policy`.
"""

from fundsvc.auth.roles import Principal, Role, Scope

__all__ = ["Principal", "Role", "Scope"]
