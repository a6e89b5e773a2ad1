FROM alpine
# comment
RUN <<EOF
echo hi
