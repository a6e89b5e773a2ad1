FROM debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN useradd --system app
USER app
HEALTHCHECK CMD ["/opt/app", "--health"]
CMD ["/opt/app"]
