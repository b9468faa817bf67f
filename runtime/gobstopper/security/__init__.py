"""Security features: signing, CSRF protection and security headers."""

from .csrf import CSRFMiddleware, csrf_exempt, csrf_token
from .headers import SecurityMiddleware, csp_nonce
from .signing import Signer

__all__ = [
    "CSRFMiddleware",
    "SecurityMiddleware",
    "Signer",
    "csp_nonce",
    "csrf_exempt",
    "csrf_token",
]
