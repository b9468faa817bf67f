"""Conformance: every code block of the reference README, this project's README and the
docs pages either runs as written, with its documented behaviour asserted, or is
classified as not a contract with a reason."""
