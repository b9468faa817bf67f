"""The ``api`` feature of the CMS."""
