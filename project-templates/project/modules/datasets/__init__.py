"""The ``datasets`` feature: uploads ingested into the analytical store by a task worker."""
