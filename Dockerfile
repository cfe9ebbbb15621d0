# casebot: the bot with its database on a volume.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    CASEBOT_DB=/var/lib/casebot/casebot.db TZ=Asia/Shanghai
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY data ./data
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/casebot casebot \
    && mkdir -p /var/lib/casebot && chown casebot /var/lib/casebot
USER casebot
VOLUME ["/var/lib/casebot"]
CMD ["casebot", "run"]
