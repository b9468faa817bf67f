"""The ``public`` feature of the CMS."""
