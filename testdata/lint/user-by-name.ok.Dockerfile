FROM debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN useradd --system --uid 10001 app
USER 10001
HEALTHCHECK CMD ["/opt/app", "--health"]
CMD ["/opt/app"]
