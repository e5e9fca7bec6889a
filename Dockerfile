# The images of docker-compose.yml, one target per service, all from debian:bookworm-slim and
# Debian's own packages: the same nginx (nginx-light with the set-misc module), memcached and
# PostgreSQL as the local stack, and the site with its pinned requirements. Where no registry is
# reachable, `stack/base-image` makes debian:bookworm-slim with debootstrap and `docker import`;
# the app's wheels come from the host (stack/compose.py builds them into var/compose/wheels).
FROM debian:bookworm-slim AS base
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN apt-get update -q && apt-get install -y -q --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# memcached refuses a store rather than evict (-M): the site stores nothing in one that evicts.
FROM base AS memcached
RUN apt-get update -q && apt-get install -y -q --no-install-recommends memcached netcat-openbsd \
    && rm -rf /var/lib/apt/lists/*
USER memcache
CMD ["memcached", "-l", "0.0.0.0", "-m", "64", "-I", "2m", "-M"]

# PostgreSQL 15, trusting the compose network (a test stack), with the site's database. The
# build runs on the host's network, where 5432 may be taken: the build's server uses its socket.
FROM base AS db
RUN apt-get update -q && apt-get install -y -q --no-install-recommends postgresql \
    && rm -rf /var/lib/apt/lists/* \
    && printf "port = 5432\nlisten_addresses = '*'\nfsync = off\n" >> /etc/postgresql/15/main/postgresql.conf \
    && printf "local all all trust\nhost all all all trust\n" > /etc/postgresql/15/main/pg_hba.conf \
    && pg_ctlcluster 15 main start -- -o "-c listen_addresses=''" \
    && su postgres -c "createdb publication" && pg_ctlcluster 15 main stop
USER postgres
CMD ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/15/main", \
     "-c", "config_file=/etc/postgresql/15/main/postgresql.conf"]

# nginx: the local stack's build; its config is rendered from stack/nginx.conf.template.
FROM base AS web
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
        nginx-light libnginx-mod-http-set-misc wget \
    && rm -rf /var/lib/apt/lists/*
# The store's socket an nginx killed -9 left bound would keep the next one from starting.
CMD ["sh", "-c", "rm -f /tmp/store.sock && exec nginx -c /etc/nginx/stack/nginx.conf -g 'daemon off;'"]

# The site, served by gunicorn as in the local stack.
FROM base AS app
RUN apt-get update -q && apt-get install -y -q --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* && python3 -m venv /venv
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The pinned requirements, from wheels built on the host (var/compose/wheels): a build needs no
# TLS of its own to PyPI, and the versions are the local stack's.
COPY requirements.txt /srv/
COPY var/compose/wheels/ /srv/wheels/
RUN pip install --no-cache-dir --disable-pip-version-check --no-index --find-links /srv/wheels \
        --no-deps -r /srv/requirements.txt
COPY lifetime/ /srv/lifetime/
COPY sut/ /srv/sut/
COPY stack/pause_point.py /srv/stack/pause_point.py
ENV PYTHONPATH=/srv/sut:/srv
WORKDIR /srv/sut
EXPOSE 8000
HEALTHCHECK --interval=1s --timeout=3s --retries=60 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health/', timeout=2)"
# Migrations run on start (a no-op when there are none; MIGRATE=0 for a second replica), then
# gunicorn as in the local stack.
CMD ["sh", "-c", "if [ \"${MIGRATE:-1}\" = 1 ]; then python manage.py migrate --noinput; fi && exec gunicorn publication.wsgi:application --bind 0.0.0.0:8000 --workers 2 --worker-class gthread --threads 4 --access-logfile - --error-logfile - --config /srv/stack/pause_point.py"]

# Firefox ESR for the suite's @browser scenarios, driven over its own Marionette protocol (no
# geckodriver). It runs on the host's network (stack/compose.test.yml): Marionette listens on
# loopback only, and the browser reaches the site at the very address the suite's readers use.
# Its preferences (Marionette's port, no calls home) come from the suite, in /srv/firefox.
FROM base AS browser
RUN apt-get update -q && apt-get install -y -q --no-install-recommends firefox-esr netcat-openbsd \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home firefox
USER firefox
CMD ["sh", "-c", "mkdir -p /tmp/profile && cp /srv/firefox/user.js /tmp/profile/ \
     && exec firefox-esr --headless --marionette --no-remote --profile /tmp/profile"]
