"""Utilities applications use alongside the core: rate limiting."""
