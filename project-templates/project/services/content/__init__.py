"""The ``content`` service: the JSON API, the admin pages for content and media, the public site."""
