# gputel container image: one static-ish executable on a distroless base.
#
#   docker build -t gputel .
#   docker run --rm -p 9000:9000 -p 9090:9090 -p 8080:8080 -v gputel:/data gputel broker,collect
#
# The build stage runs compile.sh itself, so the image is compiled with exactly the permission and
# runtime flags a local `deno task compile` uses (tests/deploy/dockerfile_test.ts checks that).

# Pinned to the Deno version the project uses (.ci/install.sh installs the same one).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts compile.sh ./
COPY src ./src
COPY data/sample.csv ./data/sample.csv
RUN bash compile.sh
# /data must exist and belong to the runtime user before it becomes a volume; distroless has no shell.
RUN mkdir -p /out/data

# glibc and libgcc, which the compiled Deno runtime links against; "nonroot" is uid/gid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/gputel /usr/local/bin/gputel
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Inside a container loopback is unreachable from outside: listen on every address and keep data
# on the volume. Flags given at run time win over these.
ENV GPUTEL_HOST=0.0.0.0 \
    GPUTEL_DATA_DIR=/data
VOLUME ["/data"]
# broker (frames), broker admin API, query API
EXPOSE 9000 9090 8080
# No HEALTHCHECK: distroless has no curl, and orchestrators probe GET /health themselves.
ENTRYPOINT ["/usr/local/bin/gputel"]
CMD ["--help"]
