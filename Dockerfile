# breachscope container image (issue 16). Two stages on Debian 12 slim:
#   builder  builds the Debian package from debian/ (Build-Depends installed
#            by apt-get build-dep from debian/control, the test suite off);
#   runtime  installs that .deb, so the runtime libraries are exactly the
#            package's Depends (dpkg-shlibdeps: what the binary links to),
#            and nothing else: no compiler, no -dev package.
#
#   docker build -t breachscope .
#   docker run --rm --network none -v "$PWD:/scan:ro" breachscope scan .
#
# The scanned tree is mounted read-only on /scan (the working directory):
# breachscope never writes into it. Reports go to standard output
# (-o sarif:-) or to another mount (-v "$PWD/out:/out" -o /out/scan.sarif,
# with --user "$(id -u):$(id -g)" so that the files belong to you). It runs
# as the unprivileged user "breachscope" (uid 10001) and needs no network.
# docs/ci/docker.md has the recipes.

FROM debian:12-slim AS builder
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /build/src
COPY debian/control debian/control
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends build-essential debhelper dpkg-dev \
 && apt-get build-dep -y -q --no-install-recommends -P nocheck ./ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN rm -rf build build-* \
 && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b -Pnocheck \
 && mkdir /out && mv ../breachscope_*.deb /out/breachscope.deb

FROM debian:12-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=builder /out/breachscope.deb /tmp/breachscope.deb
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends /tmp/breachscope.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/breachscope.deb \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent \
      --no-create-home --shell /usr/sbin/nologin breachscope \
 && mkdir /scan
LABEL org.opencontainers.image.title="breachscope" \
      org.opencontainers.image.description="Scanner for personal and medical data in exports and leaked dumps" \
      org.opencontainers.image.licenses="MIT"
USER breachscope:breachscope
WORKDIR /scan
ENTRYPOINT ["breachscope"]
CMD ["--help"]
