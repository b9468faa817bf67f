"""The ``models`` service: training, the model registry and predictions."""
