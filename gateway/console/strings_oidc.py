"""The strings of signing in with OpenID Connect (``oidc.py``): a block of the catalogue,
merged by ``strings.py``."""

from __future__ import annotations

OIDC: dict[str, str] = {
    "oidc.title": "Sign in",
    "oidc.unavailable": "The identity provider does not answer. Please try again in a moment.",
    "oidc.expired": "This sign-in has expired or was not started here. Please sign in again.",
    "oidc.state": "This sign-in does not match the one this browser started. Please sign in again.",
    "oidc.refused": "The identity provider did not sign you in ({reason}).",
    "oidc.exchange": "The identity provider did not confirm the sign-in. Please sign in again.",
    "oidc.id_token": "The identity provider's answer could not be verified. Please sign in again.",
    "oidc.not_accepted": (
        "You are signed in at your organisation, but the platform cannot accept you: {reason} "
        "Ask your organisation's administrator to give your account a role and a PIN."
    ),
}
