"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi …``."""

from mrc import create_app, freeze_loaded_objects

app = create_app()
freeze_loaded_objects()
