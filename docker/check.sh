#!/usr/bin/env bash
# make docker-check: build the image, migrate a fresh database on the local PostgreSQL as an owner role (which
# also creates and grants the runtime role), serve it as the runtime role, try the README's examples on it, and
# remove the container, the database and both roles whatever happens. Takes minutes; not part of `make test`.
# Run it whenever the Dockerfile, docker/ or the dependencies (lock files) change.
#
# BASE_IMAGE=python:3.11-slim uses a registry's image; unset, the base is built from Debian's packages
# (docker/base.sh). POSTGRES_URL names a server where the check may create and drop a database and roles
# (a superuser; the owner role it creates logs in without a password there, as with trust authentication).
set -euo pipefail
cd "$(dirname "$0")/.."

image=${IMAGE:-rectrack:check}
base_image=${BASE_IMAGE:-}
postgres_url=${POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432}
docker=${DOCKER:-docker}
export DOCKER=$docker
work=$(mktemp -d)
dockerd_log=${DOCKERD_LOG:-/var/tmp/rectrack-dockerd.log}
container="rectrack-check-$$"
database="rectrack_check_$$"
owner="rectrack_check_owner_$$"
runtime="rectrack_check_runtime_$$"
dockerd_pid=""
database_created=""
roles_created=""
passed=0
failed=0

log() { printf '[docker-check] %s\n' "$*"; }

cleanup() {
  local status=$?
  set +e
  if $docker container inspect "$container" >/dev/null 2>&1; then
    if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
      log "container logs (last 40 lines):"
      $docker logs --tail 40 "$container" 2>&1 | sed 's/^/    /'
    fi
    $docker rm -f "$container" >/dev/null
  fi
  if [ -n "$database_created" ]; then
    psql -q "$postgres_url/postgres" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  fi
  if [ -n "$roles_created" ]; then
    # Roles are cluster-wide: the database went first, with everything they owned or were granted in it.
    psql -q "$postgres_url/postgres" -c "DROP ROLE IF EXISTS $runtime" -c "DROP ROLE IF EXISTS $owner" >/dev/null
  fi
  if [ -n "$dockerd_pid" ]; then
    log "stopping the docker daemon this check started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid" 2>/dev/null
  fi
  rm -rf "$work"
  log "done in ${SECONDS}s: $passed passed, $failed failed"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the docker daemon ------------------------------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1 && ! $docker info >/dev/null 2>&1; then
  log "docker is missing: installing docker.io from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
if ! $docker info >/dev/null 2>&1; then
  # The settings a sandbox without iptables, bridges or overlayfs allows; containers then use --network host.
  log "starting dockerd (log: $dockerd_log)"
  dockerd --iptables=false --bridge=none --storage-driver=vfs >"$dockerd_log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do
    $docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 20 "$dockerd_log"; exit 1; }
    sleep 1
  done
  $docker info >/dev/null
fi

# --- the image --------------------------------------------------------------------------------------------
if [ -z "$base_image" ]; then
  base_image=rectrack-base:bookworm
  docker/base.sh "$base_image"
fi
log "building $image on $base_image"
build_started=$SECONDS
previous=$($docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
$docker build --force-rm --network host --build-arg BASE_IMAGE="$base_image" -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -n 40 "$work/build.log"; exit 1; }
log "built in $((SECONDS - build_started))s"
# With vfs every layer is a full copy of the file system: drop the previous build's image and its layers.
if [ -n "$previous" ] && [ "$previous" != "$($docker image inspect -f '{{.Id}}' "$image")" ]; then
  $docker rmi "$previous" >/dev/null 2>&1 || true
fi

# --- a fresh database migrated by its owner; the container serves it as the runtime role -------------------
# The README's "PostgreSQL in production: two roles": the owner owns the database and migrates in a one-off
# container, which creates the runtime role with its password; the serving container gets the runtime URL alone.
server=${postgres_url#*://}
server=${server#*@}
owner_url="postgresql://$owner@$server/$database"
runtime_password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
runtime_url="postgresql://$runtime:$runtime_password@$server/$database"
psql -q "$postgres_url/postgres" -c "CREATE ROLE $owner LOGIN CREATEROLE" >/dev/null
roles_created=1
psql -q "$postgres_url/postgres" -c "CREATE DATABASE $database OWNER $owner" >/dev/null
database_created=1
log "migrating $database as $owner, granting $runtime"
$docker run --rm --network host -e RECTRACK_MIGRATION_DATABASE_URL="$owner_url" \
  -e RECTRACK_DATABASE_URL="$runtime_url" -e RUNTIME_PASSWORD="$runtime_password" \
  "$image" rectrack migrate --runtime-role "$runtime" --runtime-password-env RUNTIME_PASSWORD \
  >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
log "running $container on $base (database $database, role $runtime)"
run_started=$SECONDS
# Its CMD migrates again, as the runtime role: nothing is left to do, and that needs no privilege.
$docker run -d --name "$container" --network host --health-interval 2s \
  -e RECTRACK_DATABASE_URL="$runtime_url" -e HOST=127.0.0.1 -e PORT="$port" \
  "$image" >/dev/null

for _ in $(seq 1 120); do
  curl -sf "$base/readyz" >/dev/null 2>&1 && break
  [ "$($docker inspect -f '{{.State.Running}}' "$container")" = true ] || { log "the container exited"; exit 1; }
  sleep 1
done
curl -sf "$base/readyz" >/dev/null || { log "no /readyz within 120 s"; exit 1; }
log "ready in $((SECONDS - run_started))s (migrated, serving)"

# --- the checks -------------------------------------------------------------------------------------------
# request METHOD URL [curl args...]: sets $code, $body and $headers (lower-cased names)
request() {
  local method=$1 url=$2
  shift 2
  code=$(curl -s -X "$method" -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@" "$url")
  body=$(cat "$work/body")
  headers=$(tr -d '\r' <"$work/headers" | tr 'A-Z' 'a-z')
}
# expect NAME PYTHON-EXPRESSION: true for the last answer, with code, b (its body), d (the body as JSON) and
# h (its headers)
expect() {
  if CODE="$code" HEADERS="$headers" python3 -c '
import json, os, sys
code, h, b = int(os.environ["CODE"]), os.environ["HEADERS"], sys.stdin.read()
try:
    d = json.loads(b)
except ValueError:
    d = None
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" <<<"$body"; then
    passed=$((passed + 1))
    log "ok   $1"
  else
    failed=$((failed + 1))
    log "FAIL $1: $2 (HTTP $code) ${body:0:300}"
  fi
}
header() { sed -n "s/^$1: //p" <<<"$headers" | head -n 1; }

API=$base/api/v1
R=$API/recommendations/odf-kz-2015-6.2

request GET "$base/readyz"
expect "readyz before the seed" 'code == 200'
expect "the migration granted the runtime role" \
  "$(grep -q 'granted least privilege' "$work/migrate.log" && echo True || echo False)"
# as_runtime SQL: True when the runtime role may run it
as_runtime() { psql -qtA "$runtime_url" -c "$1" >/dev/null 2>&1 && echo True || echo False; }
expect "the runtime role cannot disable the append-only triggers" \
  "not $(as_runtime 'ALTER TABLE history_entries DISABLE TRIGGER ALL')"
expect "the runtime role cannot create a table" "not $(as_runtime 'CREATE TABLE rectrack_scratch (id integer)')"
expect "the runtime role reads" "$(as_runtime 'SELECT count(*) FROM recommendations')"
expect "runs as a non-root user" "$($docker exec "$container" id -u) != 0"
expect "the cookie key is the user's alone" \
  "'$($docker exec "$container" stat -c '%a %U' /var/lib/rectrack/cookie.key)' == '600 rectrack'"
mo=$($docker exec "$container" python -c 'import app, pathlib
print(len(list(pathlib.Path(app.__file__).parent.glob("i18n/locales/*/LC_MESSAGES/messages.mo"))))')
expect "the package has compiled catalogues" "$mo >= 1"
$docker exec "$container" rectrack seed >/dev/null

request GET "$base/"
expect "the overview page" 'code == 200 and "text/html" in h and "Implementation scorecard · rectrack</title>" in b'
request GET "$API/sources"
expect "sources lists the seed" 'code == 200 and "odf-kz-2015" in json.dumps(d)'
request GET "$API/recommendations?section=4&limit=2"
expect "section 4, two at a time" 'code == 200 and len(d["items"]) == 2 and d["next_cursor"]'
request GET "$API/recommendations?addressee=international-donors"
expect "addressee filter" 'code == 200 and d["total"] >= 1 and len(d["items"]) == d["total"]'
request GET "$API/recommendations?theme=media-freedom&q=defamation"
expect "theme and text filter" 'code == 200 and d["total"] >= 1'
request GET "$API/recommendations?limit=10"
expect "first page of ten" 'code == 200 and len(d["items"]) == 10 and d["total"] == 43'
cursor=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["next_cursor"])' <<<"$body")
request GET "$API/recommendations?limit=10&cursor=$cursor"
expect "the page after it" 'code == 200 and len(d["items"]) == 10 and d["items"][0]["code"] == "odf-kz-2015-4.2"'
request GET "$R"
expect "one recommendation with a strong ETag" 'code == 200 and d["code"] == "odf-kz-2015-6.2" and "\netag: \"" in h'
etag=$(header etag)
export OLD_ETAG=$etag
request GET "$R/history"
expect "its history starts with genesis" 'code == 200 and "genesis" in json.dumps(d)'

token=$($docker exec "$container" rectrack monitors create "Docker check" --role monitor 2>/dev/null | tail -n 1)
expect "monitors create prints a token" "'$token'.startswith('rt_')"
assessment='{"status": "partially_implemented", "summary": "Recorded by make docker-check.", "effective_on": "2024-03-01"}'
write() { request POST "$R/assessments" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "$assessment" "$@"; }
write
expect "a write without If-Match: 428" 'code == 428 and d["status"] == 428'
write -H "If-Match: $etag"
expect "a write with If-Match: 201 and a new ETag" \
  'code == 201 and "\netag: " + d["recommendation"]["etag"] in h and os.environ["OLD_ETAG"] not in h'
write -H "If-Match: $etag"
expect "the same stale If-Match again: 412" 'code == 412'
request GET "$R"
expect "the status changed" 'code == 200 and d["status"] == "partially_implemented"'
request GET "$API/scorecard"
expect "the scorecard counts it" \
  'code == 200 and d["totals"]["by_status"]["partially_implemented"] == 1 and d["totals"]["score"] == 0.5'

for _ in $(seq 1 30); do
  [ "$($docker inspect -f '{{.State.Health.Status}}' "$container")" = healthy ] && break
  sleep 1
done
code=0 body='' headers=''
expect "the HEALTHCHECK reports healthy" "'$($docker inspect -f '{{.State.Health.Status}}' "$container")' == 'healthy'"

[ "$failed" -eq 0 ]
