# The Bluewatch API image. Migrations and the sample scenario ship with it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BLUEWATCH_HOME=/app
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY backend ./backend
RUN pip install --no-cache-dir -c constraints.txt -e . \
 && useradd --system --home-dir /app bluewatch

COPY migrations ./migrations
COPY sample_data ./sample_data

USER bluewatch
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["bluewatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
