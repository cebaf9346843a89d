"""Citizen accounts: registration with a verification code, log-in by identity number, phone
or e-mail, and identity providers (OpenID Connect)."""
