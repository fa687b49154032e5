# mica as a container: a static binary (pure-Go SQLite, no cgo) on an empty
# base, running as a non-root user, its data in the /data volume.
#
#   docker build -t mica .
#   docker run --rm -p 8080:8080 mica                      # the demo tenant, controls on
#   docker run --rm -p 8080:8080 -v mica-data:/data mica serve   # your tenant, kept in the volume
#
# MICA_* variables set any flag (mica serve -h).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/mica ./cmd/mica \
	&& mkdir -p /out/data /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/mica /usr/local/bin/mica
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV MICA_ADDR=0.0.0.0:8080 \
	MICA_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/usr/local/bin/mica", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/mica"]
CMD ["serve", "--demo"]
