"""The ``admin`` feature of the CMS."""
