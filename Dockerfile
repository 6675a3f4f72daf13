# A small image with the shipcheck binary only:
#   docker build -t shipcheck .
#   docker run --rm -v "$PWD:/work" -w /work shipcheck scan function.zip --layer layer.zip
# The advisory database lives under $HOME/.cache/shipcheck (/home/nonroot):
# mount a volume there, or pass --db /work/.cache/osv, to keep it between runs.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# docker build --build-arg VERSION=v0.2.0: what --version and the reports say
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/shipcheck/shipcheck.version=${VERSION}" -o /out/shipcheck ./cmd/shipcheck

# distroless/static: CA certificates (for db update and --online), a nonroot
# user, /tmp; no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/shipcheck /shipcheck
ENTRYPOINT ["/shipcheck"]
