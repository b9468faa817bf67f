"""The ``main`` feature: what the service says about itself."""
