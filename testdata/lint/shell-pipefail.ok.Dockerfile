FROM debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update && apt-get install -y curl || exit 1
RUN curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
USER 10001:10001
HEALTHCHECK CMD ["/opt/app", "--health"]
CMD ["/opt/app"]
