# The Bluewatch image: the API with its map, migrations and the sample scenario.
# Stage 1 builds the map, stage 2 the Python wheel; the image installs only the wheel.
FROM node:20-bookworm-slim AS map
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/index.html frontend/tsconfig.json frontend/vite.config.ts ./
COPY frontend/src ./src
RUN npm run build

FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY backend ./backend
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    BLUEWATCH_HOME=/app BLUEWATCH_HOST=0.0.0.0 BLUEWATCH_PORT=8000
WORKDIR /app
COPY constraints.txt ./
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir -c constraints.txt /wheels/*.whl \
 && rm -rf /wheels \
 && useradd --system --uid 10001 --home-dir /app bluewatch
COPY migrations ./migrations
COPY sample_data ./sample_data
COPY --from=map /src/frontend/dist ./frontend/dist

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Host, port and the number of API processes come from BLUEWATCH_HOST, BLUEWATCH_PORT and
# BLUEWATCH_WORKERS; tests/test_deploy.py runs this exact command line.
CMD ["bluewatch", "serve"]
