#!/usr/bin/env bash
# Build the base image rectrack-base:bookworm from Debian's packages, for machines that reach no image registry:
# a minimal Debian bookworm (debootstrap, with its security updates) with Python 3.11 and its venv module,
# imported with `docker import`. Skipped when the image exists and trusts the same CA bundle (below).
# Usage: docker/base.sh [IMAGE]
set -euo pipefail

image=${1:-rectrack-base:bookworm}
docker=${DOCKER:-docker}
log() { printf '[base] %s\n' "$*"; }

# The base trusts the CA bundle of the machine that builds it, so pip in the build trusts what pip here trusts
# (a TLS-inspecting proxy's CA included; Debian's pip reads /etc/ssl/certs/ca-certificates.crt). The image
# is labelled with the bundle's digest and rebuilt when the bundle changes.
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
ca_digest=$(sha256sum "$ca_bundle" | cut -c 1-64)
label='{{index .Config.Labels "rectrack.ca-bundle"}}'
if [ "$($docker image inspect -f "$label" "$image" 2>/dev/null)" = "$ca_digest" ]; then
  log "$image exists"
  exit 0
fi
previous=$($docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)

if ! command -v debootstrap >/dev/null 2>&1; then
  log "debootstrap is missing: installing it from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap >/dev/null
fi

# The Debian mirrors this machine's apt uses, unless DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR name others.
apt_uris() {
  grep -hsE '^[[:space:]]*(deb|URIs:)[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/* \
    | grep -oE 'https?://[^[:space:]]+' | grep -E "$1" | head -n 1 || true
}
mirror=${DEBIAN_MIRROR:-$(apt_uris '/debian/?$')}
mirror=${mirror:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-$(apt_uris '/debian-security/?$')}
security=${security:-http://deb.debian.org/debian-security}

root=$(mktemp -d /var/tmp/rectrack-base.XXXXXX)
chmod 755 "$root"  # it becomes the image's /, which every user must traverse
trap 'rm -rf "$root" "$root.log"' EXIT

# python3-venv brings python3 (3.11 on bookworm) and the pip wheel that `python3 -m venv` installs; passwd has
# useradd for the image's non-root user.
log "debootstrap bookworm from $mirror into $root"
debootstrap --variant=minbase --include=python3-venv,passwd,ca-certificates bookworm "$root" "$mirror" \
  >"$root.log" 2>&1 || { tail -n 30 "$root.log"; exit 1; }
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
log "applying bookworm's updates"
chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq && apt-get clean' \
  >"$root.log" 2>&1 || { tail -n 30 "$root.log"; exit 1; }
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
cp "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
: >"$root/etc/resolv.conf"  # docker provides it at run time

log "importing $image"
tar -C "$root" -c . | $docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  --change "LABEL rectrack.ca-bundle=$ca_digest" \
  - "$image" >/dev/null
log "$image built ($(chroot "$root" python3 --version))"
if [ -n "$previous" ]; then
  $docker rmi "$previous" >/dev/null 2>&1 || true  # kept while images built on it still exist
fi
