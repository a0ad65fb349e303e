#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# demo.sh: the README's example. A Firefox profile under a temporary HOME, a CA
# bundle imported into it unattended, the result listed, and certutil's view.
set -eu
MOZCERT=${1:-build/src/mozcert}
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME=$T
P=$HOME/.mozilla/firefox/demo1234.default-release
mkdir -p "$P"
printf '[General]\nStartWithLastProfile=1\nVersion=2\n\n[Profile0]\nName=default-release\nIsRelative=1\nPath=demo1234.default-release\nDefault=1\n' \
	>"$HOME/.mozilla/firefox/profiles.ini"
certutil -N -d "sql:$P" --empty-password
echo "== mozcert profiles"
"$MOZCERT" profiles
echo "== mozcert cert import (root trusted for servers, then the whole bundle)"
"$MOZCERT" cert import --trust C,, "$here/fixtures/certs/root.pem"
"$MOZCERT" cert import "$here/fixtures/certs/bundle.pem"
echo "== mozcert cert list"
"$MOZCERT" cert list
echo "== certutil -L (independent check)"
certutil -L -d "sql:$P"
