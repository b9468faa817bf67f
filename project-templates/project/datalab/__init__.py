"""The data-science domain: the analytical store (DuckDB), data set ingestion and
analytics queries, shared by every route file whichever structure serves them."""
