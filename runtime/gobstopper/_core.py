"""The Rust accelerators, when ``gobstopper-core`` is installed (``pip install
"gobstopper[rust]"``).

``import gobstopper._core`` succeeds only then, so it tells whether the accelerators are
present. The runtime itself goes through :mod:`gobstopper.accelerators`, which also honours
``GOBSTOPPER_NO_RUST``.
"""

try:
    from gobstopper_core._native import (
        Dispatcher,
        Handling,
        Router,
        StaticFiles,
        TemplateEngine,
        TemplateError,
        __version__,
        json_nests_deeper,
    )
except ImportError as missing:
    raise ImportError('the Rust core is not installed: pip install "gobstopper[rust]"') from missing

__all__ = [
    "Dispatcher",
    "Handling",
    "Router",
    "StaticFiles",
    "TemplateEngine",
    "TemplateError",
    "__version__",
    "json_nests_deeper",
]
