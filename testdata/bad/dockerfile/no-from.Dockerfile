# no base
RUN echo hi
FROM alpine
