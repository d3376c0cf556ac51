"""Server-rendered pages: layout, templates, static files."""
