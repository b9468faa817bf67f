"""The ``analytics`` feature: statistics and grouped aggregations of the data sets."""
