# Two stages: build the single executable with Bun, ship it on a small base.
# npm ci installs the pinned Bun from the npm registry, the same one CI tests with.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/tgsignal --create-home tgsignal
COPY --from=build /src/dist/tgsignal /usr/local/bin/tgsignal
USER tgsignal
WORKDIR /etc/tgsignal
# Mount your config at /etc/tgsignal/config.yaml (a ConfigMap works: reload follows its
# symlink swaps) and a volume at /var/lib/tgsignal for data_dir.
ENV TGSIGNAL_CONFIG=/etc/tgsignal/config.yaml TGSIGNAL_LOG_FORMAT=json
EXPOSE 8787
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8787 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
ENTRYPOINT ["/usr/local/bin/tgsignal"]
CMD ["serve"]
