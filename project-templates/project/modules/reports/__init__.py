"""The ``reports`` feature: a request queues a summary, which a task worker computes."""
