"""The rows both benchmark apps render into ``templates/fortunes.html``: plain text,
markup that must be escaped, and non-ASCII text."""

FORTUNES = [
    {"id": number, "message": message}
    for number, message in enumerate(
        [
            "A gobstopper lasts longer than the meeting that was about it.",
            "Every cache is a promise you will have to keep later.",
            "The fastest request is the one you answer with 304.",
            "Premature optimisation is fun; measured optimisation ships.",
            "Two workers, one budget: share it through Redis.",
            "Tests that cannot fail are documentation that lies.",
            "A path with .. in it is a question you should answer with 404.",
            "Retries are idempotency's way of checking on you.",
            "Streaming bodies keep memory flat and engineers calm.",
            "If it is not in the lock file, it is not in production.",
            '<script>alert("escaped, not executed");</script>',
            "テンプレートは自動でエスケープされます",
        ],
        start=1,
    )
]
