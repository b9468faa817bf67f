"""The ``accounts`` service: sign-in, passwords, invitations, users and API tokens."""
