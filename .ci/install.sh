#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, each only when missing:
# Deno (npm), Debian packages (nats-server, chromium, shellcheck, gcc, systemd-analyze),
# and Helm (built with the Go toolchain from the Go module proxy, pinned).
# Sourced by .ci/run; safe to run by hand.
set -uo pipefail

HELM_VERSION="v3.16.4"

if ! command -v deno >/dev/null 2>&1; then
  echo "deno not found: installing deno@2.9.6 from npm"
  npm install -g deno@2.9.6 || { echo "could not install deno"; exit 1; }
fi

# command → Debian package
declare -A debs=(
  [nats-server]=nats-server
  [redis-server]=redis-server
  [chromium]=chromium
  [shellcheck]=shellcheck
  [gcc]=gcc
  [systemd-analyze]=systemd
)
missing=()
for cmd in "${!debs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${debs[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
    >/tmp/gputel-apt.log 2>&1 || echo "apt-get install failed (see /tmp/gputel-apt.log); tests that need them will say so"
fi

gobin="$(command -v go >/dev/null 2>&1 && go env GOPATH 2>/dev/null)/bin"
[ -d /usr/local/go/bin ] && export PATH="$PATH:/usr/local/go/bin"
export PATH="$PATH:${gobin:-$HOME/go/bin}:$HOME/go/bin"
if ! command -v helm >/dev/null 2>&1 && command -v go >/dev/null 2>&1; then
  echo "helm not found: building helm $HELM_VERSION with go install"
  go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >/tmp/gputel-helm.log 2>&1 ||
    echo "go install helm failed (see /tmp/gputel-helm.log); the chart tests will say so"
fi
