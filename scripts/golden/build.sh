#!/bin/sh
# Builds the golden-vector tool offline against the Debian Go sources
# (GOPATH mode: module mode would try to fetch serf's other dependencies).
# Usage: scripts/golden/build.sh            -> scripts/golden/golden
#        scripts/golden/build.sh gen        -> also regenerates tests/data/golden/*.json
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
GO111MODULE=off GOPATH="${GOPATH_OVERRIDE:-/usr/share/gocode}" GOPROXY=off GOFLAGS=-mod=mod \
  go build -o "$here/golden" main.go
if [ "${1:-}" = "gen" ]; then
  cd "$root" && "$here/golden" gen tests/data/golden
fi
