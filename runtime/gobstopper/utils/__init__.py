"""Import paths kept for applications: :mod:`gobstopper.utils.rate_limiter` names the
rate limiter of :mod:`gobstopper.ratelimit`."""

__all__: list[str] = []
