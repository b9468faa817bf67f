"""The ``models`` feature: training, the model registry and predictions."""
