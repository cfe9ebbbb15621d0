# casebot: the bot with its database on a volume.
FROM python:3.11-slim
# CASEBOT_SERVER_MODE: without a token the container refuses to start (no console, no demo
# corpus in the real library). The webhook server listens on every interface, so the
# published port reaches it. HOME and MPLCONFIGDIR are writable by any uid, so the image
# also runs as the owner of a mounted host folder (docker run --user "$(id -u):$(id -g)").
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    CASEBOT_DB=/var/lib/casebot/casebot.db TZ=Asia/Shanghai \
    CASEBOT_SERVER_MODE=true CASEBOT_WEBHOOK_LISTEN=0.0.0.0 \
    HOME=/tmp MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY data ./data
# uid 10001 owns the volume's folder; a host folder mounted there must be writable by it
# (chown 10001) or the container run with the folder owner's uid (see above).
RUN pip install --no-cache-dir . && useradd --system --uid 10001 --no-create-home casebot \
    && mkdir -p /var/lib/casebot && chown 10001 /var/lib/casebot
USER 10001
VOLUME ["/var/lib/casebot"]
EXPOSE 8443
CMD ["casebot", "run"]
