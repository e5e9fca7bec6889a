"""The stack under test: memcached, gunicorn and nginx, started locally or under docker compose."""
