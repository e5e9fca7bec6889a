# The site under test, served by gunicorn: the `app` service of docker-compose.yml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir --no-deps -r requirements.txt
COPY sut/ sut/
WORKDIR /srv/sut
EXPOSE 8000
HEALTHCHECK --interval=2s --timeout=3s --retries=30 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health/', timeout=2)"
# Migrations run on every start (a no-op when there are none), then gunicorn as in the local stack.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn publication.wsgi:application --bind 0.0.0.0:8000 --workers 2 --worker-class gthread --threads 4 --access-logfile - --error-logfile -"]
