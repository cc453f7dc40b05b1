# vinbot: a long-polling Telegram bot. Two stages: build the virtualenv from the pinned
# requirements, then copy it and the `vinbot` package (nothing else) into a clean runtime image.
# tests/integration/test_container_install.py repeats these install steps without Docker.

FROM python:3.13-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /build
# The same path in both stages: a virtualenv's scripts hard-code the path it was created at.
RUN python -m venv /opt/venv
COPY requirements.txt .
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.txt


FROM python:3.13-slim AS runtime

# A fixed uid/gid, so a bind-mounted host directory can be chowned to it ahead of time;
# Fly mounts the volume with the image user's uid, so /data is writable there too.
ARG APP_UID=10001
ARG APP_GID=10001

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/vinbot.db \
    PORT=8080

# A real shell, so `fly ssh console --user vinbot -C ...` can run maintenance as this user.
RUN groupadd --system --gid "${APP_GID}" vinbot \
    && useradd --system --uid "${APP_UID}" --gid vinbot --no-create-home \
        --home-dir /app --shell /bin/sh vinbot \
    && mkdir /data \
    && chown vinbot:vinbot /data

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY vinbot/ /app/vinbot/
# Byte-code and translations are compiled at build time: the app directory stays read-only for
# the bot's user.
RUN python -m compileall -q /app/vinbot \
    && /opt/venv/bin/pybabel compile -q -D vinbot -d /app/vinbot/locales

USER ${APP_UID}:${APP_GID}
# No EXPOSE: nothing is served to the public. $PORT carries only /health, /ready and /metrics
# (publish it with `docker run -p 127.0.0.1:8080:8080` to look at them from the host).

# The image has Python and no curl. A 503 or a refused connection exits 1 with one line,
# which `docker inspect` shows as the health log.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request\ntry:\n    urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8080'), timeout=4)\nexcept Exception as exc:\n    sys.exit(f'unhealthy: {exc}')"]

STOPSIGNAL SIGTERM
# Exec form: Python is PID 1 and receives SIGTERM itself (vinbot.runtime stops in order).
CMD ["python", "-m", "vinbot"]
