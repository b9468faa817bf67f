"""The Gobstopper scaffolding toolkit: ``gobstopper init`` renders a new project from the
Copier template in ``project-templates/``, ``gobstopper generate`` adds code to it and
``gobstopper upgrade`` moves it to a newer template. Installed with
``pip install "gobstopper[cli]"``; the runtime never imports it."""

__all__: list[str] = []
