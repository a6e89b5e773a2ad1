FROM alpine
ARG TOKEN
LABEL token="${TOKEN:?must be given}"
