#!/usr/bin/env bash
# Measure which syscalls well-known server software makes, for cinch's seccomp backend
# (src/backend/seccomp/runtimes.rs reads the results). Each runtime is started under
# `strace -f` from its Debian package, serves representative requests, is reloaded,
# health-checked and shut down; every syscall any of its processes attempted (also the
# ones that failed, e.g. ENOENT) is recorded, and so are the socket address families it
# created. Run as root on Debian 12 (amd64), from the repository root:
#
#   scripts/measure-syscalls.sh [nginx redis postgres python node jvm go shell]
#
# Needs: strace, curl, nginx-light, redis-server (+ redis-tools), postgresql, python3,
# nodejs, a JDK (javac), golang-go, busybox, bash. Results go to
# src/backend/seccomp/measured/<runtime>.txt: a header saying how they were measured,
# a `# families:` line, then one x86_64 syscall name per line, sorted.
# The set is a floor, not a ceiling: cinch adds its runtime minimum and what the
# container runtime itself needs (see src/backend/seccomp/groups.rs) on top of it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/backend/seccomp/measured
mkdir -p "$out"
work=$(mktemp -d /tmp/cinch-measure.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  # strace detaches (does not kill) its tracees when killed: end them first.
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "measure-syscalls: run as root (strace -u switches users)"; exit 2; }
command -v strace >/dev/null || { echo "measure-syscalls: apt-get install strace"; exit 2; }

# A free TCP port on loopback.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() { # PORT: wait until something accepts on 127.0.0.1:PORT
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "measure-syscalls: nothing listens on $1" >&2
  return 1
}

# traced NAME [strace options] -- COMMAND...: start COMMAND under strace in the background.
traced() {
  local name=$1; shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  # Wrapped: bash starts background jobs with SIGINT/SIGQUIT ignored, and servers that shut
  # down on SIGINT (python, postgres) need the default disposition back; the wrapper also
  # ends normally when the server dies of SIGINT (bash would take that as its own ^C).
  /usr/bin/python3 -c 'import signal, subprocess, sys
def dfl():
    signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGQUIT, signal.SIG_DFL)
subprocess.run(sys.argv[1:], preexec_fn=dfl)' \
    strace -f -qq -s 0 "${opts[@]}" -o "$work/trace.$name.$RANDOM$RANDOM" "$@" &
  last_pid=$(child_of $!)
  pids+=("$last_pid")
}

# traced_fg NAME [strace options] -- COMMAND...: run COMMAND under strace and wait for it.
traced_fg() {
  local name=$1; shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  strace -f -qq -s 0 "${opts[@]}" -o "$work/trace.$name.$RANDOM$RANDOM" "$@"
}

# stop SIGNAL: send SIGNAL to the traced process (strace's child) and wait for strace to end.
stop() {
  kill "-$1" "$(child_of "$last_pid")"
  while kill -0 "$last_pid" 2>/dev/null; do sleep 0.05; done
}

# The traced process's own pid (strace's child).
child_of() { for _ in $(seq 1 100); do p=$(pgrep -P "$1" | head -1) && [ -n "$p" ] && { echo "$p"; return; }; sleep 0.05; done; return 1; }

# write NAME VERSION-LINE SCENARIO: collect every trace of NAME into measured/NAME.txt.
write() {
  local name=$1 version=$2 scenario=$3
  local traces=("$work"/trace."$name".*)
  local names families
  # Lines look like `1234  openat(AT_FDCWD, ...) = 3`, `1234  <... read resumed>...`.
  names=$(sed -E -n 's/^([0-9]+ +)?(<\.\.\. )?([a-z_][a-z0-9_]*)(\(| resumed>).*/\3/p' "${traces[@]}" | sort -u)
  families=$(grep -h -o -E '(socket|socketpair)\(AF_[A-Z0-9]+' "${traces[@]}" | sed 's/.*(//' | sort -u | tr '\n' ' ')
  {
    echo "# $name: syscalls measured by scripts/measure-syscalls.sh (strace -f) on $(. /etc/os-release; echo "$PRETTY_NAME") $(uname -m)"
    echo "# software: $version"
    echo "# scenario: $scenario"
    echo "# families: ${families% }"
    echo "$names"
  } >"$out/$name.txt"
  echo "measure-syscalls: $name: $(echo "$names" | wc -l) syscalls, families: $families"
}

pkgver() { dpkg-query -W -f='${Package} ${Version}' "$1"; }

measure_nginx() {
  local d="$work/nginx" port; port=$(free_port)
  mkdir -p "$d/www" "$d/tmp"; echo hello >"$d/www/index.html"
  cat >"$d/nginx.conf" <<EOF
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log $d/access.log;
  client_body_temp_path $d/tmp/body; proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi; uwsgi_temp_path $d/tmp/uwsgi; scgi_temp_path $d/tmp/scgi;
  sendfile on; gzip on;
  server {
    listen 127.0.0.1:$port; listen [::1]:$port;
    root $d/www;
    location /healthz { return 200 "ok\n"; }
  }
}
EOF
  chown -R nobody "$d"
  # Once as root (workers switch to www-data), once as an unprivileged user.
  for who in root nobody; do
    traced nginx -u "$who" -- nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;'
    wait_port "$port"
    for path in / /index.html /missing /healthz; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
    curl -s -o /dev/null -g "http://[::1]:$port/"
    local master; master=$(cat "$d/nginx.pid")
    kill -HUP "$master"; sleep 0.5   # reload: new workers, old ones quit
    kill -USR1 "$master"; sleep 0.2  # reopen logs
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz"
    traced_fg nginx -u "$who" -- nginx -t -p "$d" -c "$d/nginx.conf" -e "$d/error.log" 2>/dev/null
    # Graceful stop (the image's STOPSIGNAL) as root, fast stop (docker stop's default) otherwise.
    if [ "$who" = root ]; then kill -QUIT "$master"; else kill -TERM "$master"; fi
    while kill -0 "$last_pid" 2>/dev/null; do sleep 0.05; done
    chown -R nobody "$d"
  done
  write nginx "$(pkgver nginx-light)" "start as root and as nobody, GET (static, 404, health) over IPv4 and IPv6, SIGHUP reload, SIGUSR1 log reopen, nginx -t, SIGQUIT (root) / SIGTERM (nobody)"
}

measure_redis() {
  local d="$work/redis" port; port=$(free_port)
  mkdir -p "$d"; chown redis "$d"
  for who in redis root; do
    traced redis -u "$who" -- redis-server --port "$port" --bind 127.0.0.1 -::1 --dir "$d" --save "60 1" --appendonly yes --daemonize no --logfile "$d/redis.log"
    wait_port "$port"
    local cli=(redis-cli -h 127.0.0.1 -p "$port")
    "${cli[@]}" ping >/dev/null; "${cli[@]}" set k v >/dev/null; "${cli[@]}" get k >/dev/null
    "${cli[@]}" info >/dev/null; "${cli[@]}" config set maxmemory 64mb >/dev/null
    "${cli[@]}" bgsave >/dev/null; sleep 0.5; "${cli[@]}" bgrewriteaof >/dev/null; sleep 0.5
    "${cli[@]}" config rewrite >/dev/null 2>&1 || true
    traced_fg redis -u "$who" -- redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null   # health check
    stop TERM
    chown -R redis "$d"
  done
  write redis "$(pkgver redis-server)" "start as redis and as root with RDB + AOF, PING, SET/GET, INFO, CONFIG SET, BGSAVE, BGREWRITEAOF, redis-cli ping health check, SIGTERM (saves)"
}

measure_postgres() {
  local d="$work/pg" port; port=$(free_port)
  local bin=/usr/lib/postgresql/15/bin
  mkdir -p "$d"; chown postgres "$d"
  # The official image runs initdb inside the container on first start.
  traced_fg postgres -u postgres -- "$bin/initdb" -D "$d/data" -U postgres --auth=trust --locale=C -E UTF8 >/dev/null
  traced postgres -u postgres -- "$bin/postgres" -D "$d/data" -k "$d" -h "127.0.0.1,::1" -p "$port" -c logging_collector=off
  wait_port "$port"
  local sql=(psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c)
  for _ in $(seq 1 100); do "${sql[@]}" 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
  "${sql[@]}" 'SELECT 1' >/dev/null
  "${sql[@]}" 'CREATE TABLE t (id int primary key, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1,20000) g' >/dev/null
  "${sql[@]}" 'SELECT count(*) FROM t WHERE v LIKE $$a%$$' >/dev/null
  "${sql[@]}" 'CREATE INDEX ON t (v)' >/dev/null; "${sql[@]}" 'VACUUM ANALYZE t' >/dev/null; "${sql[@]}" 'CHECKPOINT' >/dev/null
  "${sql[@]}" 'SELECT pg_reload_conf()' >/dev/null; sleep 0.3
  traced_fg postgres -u postgres -- "$bin/pg_isready" -h 127.0.0.1 -p "$port" >/dev/null   # health check
  "${sql[@]}" 'SELECT 1' >/dev/null
  stop INT
  write postgres "$(pkgver postgresql-15)" "initdb, start as postgres, SELECT 1, CREATE TABLE + 20k INSERTs, index, VACUUM ANALYZE, CHECKPOINT, pg_reload_conf, pg_isready health check, SIGINT fast shutdown"
}

measure_python() {
  local d="$work/py" port; port=$(free_port)
  mkdir -p "$d/sub" "$d/state"; echo hello >"$d/index.html"; echo x >"$d/sub/file.txt"
  chown nobody "$d/state"
  # What applications on the python image do besides serving: the language runtime is known,
  # the program is not, so common standard-library paths are measured too.
  cat >"$d/app.py" <<'PY'
import json, logging, os, shutil, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request
port, state = int(sys.argv[1]), sys.argv[2]
logging.basicConfig(filename=os.path.join(state, "app.log"), level=logging.INFO)
logging.info("start")
def work(n):
    with tempfile.NamedTemporaryFile("w", dir=state, delete=False) as f:
        json.dump({"n": n}, f)
    os.replace(f.name, os.path.join(state, f"out{n}.json"))
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
subprocess.run(["/bin/true"], check=True)
subprocess.run(["/bin/sh", "-c", "echo hi"], check=True, capture_output=True)
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
db = sqlite3.connect(os.path.join(state, "db.sqlite")); db.execute("create table if not exists t (x)")
db.execute("insert into t values (1)"); db.commit(); db.close()
socket.getaddrinfo("localhost", port)
urllib.request.urlopen(f"http://localhost:{port}/").read()
with socket.create_connection(("127.0.0.1", port)) as s:
    s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.recv(100)
shutil.copy(os.path.join(state, "out0.json"), os.path.join(state, "copy.json"))
for e in os.scandir(state): e.stat()
os.unlink(os.path.join(state, "copy.json"))
time.sleep(0.05)
logging.info("done")
PY
  # With --bind on loopback as the tests run it, and without, as images run it (dual-stack ::).
  for who in nobody root; do
    local bind=(--bind 127.0.0.1); [ "$who" = root ] && bind=()
    traced python -u "$who" -- /usr/bin/python3 -m http.server "$port" "${bind[@]}" --directory "$d"
    wait_port "$port"
    for path in / /sub/ /sub/file.txt /missing; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
    curl -s -I -o /dev/null "http://127.0.0.1:$port/"
    if [ "$who" = nobody ]; then traced_fg python -u nobody -- /usr/bin/python3 "$d/app.py" "$port" "$d/state"; fi
    stop INT
  done
  write python "$(pkgver python3.11)" "python3 -m http.server as nobody (--bind 127.0.0.1) and as root (dual-stack ::): GET (index, directory listing, file, 404), HEAD, SIGINT; an application's standard-library use (app.py in the script: threads, subprocess, fork, file writes and renames, logging, sqlite, DNS, HTTP client)"
}

measure_node() {
  local d="$work/node" port; port=$(free_port)
  mkdir -p "$d"
  cat >"$d/server.js" <<'EOF'
const http = require('http'), fs = require('fs');
const server = http.createServer((req, res) => {
  if (req.url === '/file') return fs.createReadStream(__filename).pipe(res);
  res.end(JSON.stringify({ ok: true, url: req.url }));
});
server.listen(Number(process.argv[2]));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
EOF
  # An application's common paths besides serving (the runtime is known, the program is not).
  cat >"$d/app.js" <<'JS'
const fs = require('fs'), path = require('path'), cp = require('child_process'), http = require('http');
const dns = require('dns'), zlib = require('zlib'), crypto = require('crypto'), { Worker } = require('worker_threads');
const [port, state] = [Number(process.argv[2]), process.argv[3]];
fs.writeFileSync(path.join(state, 'a.tmp'), JSON.stringify({ a: 1 }));
fs.renameSync(path.join(state, 'a.tmp'), path.join(state, 'a.json'));
fs.mkdirSync(path.join(state, 'dir'), { recursive: true });
fs.readdirSync(state).forEach((f) => fs.statSync(path.join(state, f)));
cp.execFileSync('/bin/true'); cp.execSync('echo hi');
zlib.gzipSync(crypto.randomBytes(1024));
new Worker('require("worker_threads").parentPort.postMessage(1)', { eval: true }).on('message', () => {});
dns.lookup('localhost', () => {
  http.get(`http://localhost:${port}/`, (res) => {
    res.resume();
    res.on('end', () => { fs.unlinkSync(path.join(state, 'a.json')); setTimeout(() => process.exit(0), 50); });
  });
});
JS
  mkdir -p "$d/state"; chown nobody "$d/state"
  traced node -u nobody -- node "$d/server.js" "$port"
  wait_port "$port"
  for path in / /file /x; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
  traced_fg node -u nobody -- node "$d/app.js" "$port" "$d/state"
  stop TERM
  write node "node $(node --version) ($(dpkg-query -W -f='${Package} ${Version}' nodejs))" "node http server (dual-stack ::) as nobody: GET (JSON, streamed file), SIGTERM graceful close; an application's fs, child_process, worker_threads, zlib, crypto, dns, http client (app.js in the script)"
}

measure_jvm() {
  local d="$work/jvm" port; port=$(free_port)
  mkdir -p "$d"
  cat >"$d/Server.java" <<'EOF'
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
public class Server {
  public static void main(String[] a) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(Integer.parseInt(a[0])), 16);
    s.createContext("/", x -> { byte[] b = ("ok " + x.getRequestURI()).getBytes(); x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });
    s.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> s.stop(0)));
  }
}
EOF
  cat >"$d/App.java" <<'JAVA'
import java.net.*; import java.nio.file.*; import java.util.concurrent.*;
public class App {
  public static void main(String[] a) throws Exception {
    Path state = Paths.get(a[1]);
    Path tmp = Files.writeString(state.resolve("a.tmp"), "{\"a\":1}");
    Files.move(tmp, state.resolve("a.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    try (var s = Files.list(state)) { s.forEach(p -> p.toFile().length()); }
    new ProcessBuilder("/bin/true").start().waitFor();
    ExecutorService ex = Executors.newFixedThreadPool(4);
    for (int i = 0; i < 8; i++) { ex.submit(() -> Math.sqrt(42)); }
    ex.shutdown(); ex.awaitTermination(5, TimeUnit.SECONDS);
    InetAddress.getByName("localhost");
    HttpURLConnection c = (HttpURLConnection) new URL("http://localhost:" + a[0] + "/x").openConnection();
    c.getInputStream().readAllBytes();
    Files.delete(state.resolve("a.json"));
  }
}
JAVA
  javac -d "$d" "$d/Server.java" "$d/App.java"
  mkdir -p "$d/state"; chown nobody "$d/state"
  chmod -R a+rX "$d"
  traced jvm -u nobody -- java -Xmx64m -cp "$d" Server "$port"
  wait_port "$port"
  for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$port/$i"; done
  traced_fg jvm -u nobody -- java -Xmx64m -cp "$d" App "$port" "$d/state"
  stop TERM
  write jvm "$(java -version 2>&1 | head -1)" "com.sun.net.httpserver server (precompiled, wildcard address) as nobody: GET x3, SIGTERM with shutdown hook; an application's file writes and moves, ProcessBuilder, thread pool, DNS, HttpURLConnection (App.java in the script)"
}

measure_go() {
  local d="$work/go" port; port=$(free_port)
  mkdir -p "$d"
  cat >"$d/main.go" <<'EOF'
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	srv := &http.Server{Addr: ":" + os.Args[1]}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "ok %s\n", r.URL.Path) })
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		<-c
		srv.Close()
	}()
	srv.ListenAndServe()
}
EOF
  mkdir -p "$d/app" "$d/state"; chown nobody "$d/state"
  cat >"$d/app/main.go" <<'GO'
package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

func main() {
	port, state := os.Args[1], os.Args[2]
	tmp := filepath.Join(state, "a.tmp")
	os.WriteFile(tmp, []byte(`{"a":1}`), 0o644)
	os.Rename(tmp, filepath.Join(state, "a.json"))
	entries, _ := os.ReadDir(state)
	for _, e := range entries {
		e.Info()
	}
	exec.Command("/bin/true").Run()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done() }()
	}
	wg.Wait()
	net.LookupHost("localhost")
	if r, err := http.Get("http://localhost:" + port + "/x"); err == nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	os.Remove(filepath.Join(state, "a.json"))
}
GO
  (cd "$d" && HOME="$d" GOCACHE="$d/cache" GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o server main.go)
  (cd "$d/app" && HOME="$d" GOCACHE="$d/cache" GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o ../app-bin main.go)
  traced go -u nobody -- "$d/server" "$port"
  wait_port "$port"
  for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$port/$i"; done
  traced_fg go -u nobody -- "$d/app-bin" "$port" "$d/state"
  stop TERM
  write go "static Go binary, $(go version | cut -d' ' -f3) (CGO_ENABLED=0)" "net/http server (dual-stack :port) as nobody: GET x3, SIGTERM; an application's file writes and renames, os/exec, goroutines, DNS, HTTP client (app/main.go in the script)"
}

measure_shell() {
  local d="$work/sh"
  mkdir -p "$d/docker-entrypoint.d"
  echo 'echo "configuring"' >"$d/docker-entrypoint.d/10-config.sh"
  printf 'server_name ${HOSTNAME};\n' >"$d/template"
  # What docker-entrypoint.sh scripts of official images do before `exec "$@"`.
  local script='
set -e
d=$1
if [ -n "$(find "$d/docker-entrypoint.d" -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null)" ]; then
  find "$d/docker-entrypoint.d" -follow -type f -print | sort -V | while read -r f; do
    case "$f" in *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;; esac
  done
fi
id -u >/dev/null; whoami >/dev/null 2>&1 || true
mkdir -p "$d/run/app" && chmod 0775 "$d/run/app"
touch "$d/run/app/pid"; ls -la "$d/run" >/dev/null; cat "$d/template" >/dev/null
sed -e "s/x/y/" "$d/template" | grep -c server >/dev/null
head -n 1 "$d/template" >/dev/null; env | sort >/dev/null; date >/dev/null
cp "$d/template" "$d/run/t2"; mv "$d/run/t2" "$d/run/t3"; rm -rf "$d/run/app"
ps >/dev/null 2>&1 || true; sleep 0.1 &
wait
exec "$2" -c "exit 0"
'
  chown -R nobody "$d"
  traced_fg shell -u nobody -- /bin/sh -c "$script" sh "$d" /bin/sh
  traced_fg shell -u nobody -- /bin/bash -c "$script" bash "$d" /bin/bash
  traced_fg shell -u root -- /bin/bash -c "$script" bash "$d" /bin/bash
  traced_fg shell -u nobody -- busybox sh -c "${script//sort -V/sort}" sh "$d" /bin/sh
  printf 'root:x:0:0\n' >"$d/passwd"
  traced_fg shell -u nobody -- /bin/sh -c 'envsubst < "$1" >/dev/null; tr a b < "$1" >/dev/null; awk "{print}" "$1" >/dev/null; stat "$1" >/dev/null; wc -l "$1" >/dev/null; readlink -f "$1" >/dev/null; dirname "$1" >/dev/null; basename "$1" >/dev/null; test -w "$1"; true' sh "$d/template"
  write shell "$(pkgver dash), $(pkgver bash), $(pkgver coreutils), $(pkgver busybox)" "docker-entrypoint.sh-like scripts (find, sort, id, mkdir, chmod, touch, ls, cat, sed, grep, head, env, date, cp, mv, rm, a background job, exec) under dash, bash and busybox sh, as nobody and root; envsubst, tr, awk, stat, wc, readlink"
}

runtimes=("$@")
[ "${#runtimes[@]}" -gt 0 ] || runtimes=(nginx redis postgres python node jvm go shell)
for rt in "${runtimes[@]}"; do
  "measure_$rt"
done
