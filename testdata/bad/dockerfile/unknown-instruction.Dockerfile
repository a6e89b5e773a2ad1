FROM alpine
RUN true
COPYY a /b
