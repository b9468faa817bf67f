"""The ``auth`` feature of the CMS."""
