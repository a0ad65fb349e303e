# SPDX-License-Identifier: MPL-2.0
# lib.sh: TAP helpers for the CLI tests. Sourced; needs MOZCERT and SRCDIR.
set -u
export LC_ALL=C
: "${MOZCERT:?MOZCERT must name the built binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"
# mozcert-test: mozcert built with the test-only hooks (MOZCERT_CRASH_AT, MOZCERT_NSS_LIST); never installed.
: "${MOZCERT_TEST:=$(dirname "$MOZCERT")/mozcert-test}"
FIX=$SRCDIR/tests/fixtures
# Real files whose licence lets the project ship them (tests/fixtures/real/PROVENANCE.md),
# files made to show the same properties as the others (tests/fixtures/made/README), and,
# optionally, a directory laid out like tests/fixtures/real with the originals that may not
# be shipped: the tests on those run only when MOZCERT_EXTRA_FIXTURES names it.
REAL=$FIX/real
MADE=$FIX/made
EXTRA=${MOZCERT_EXTRA_FIXTURES:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/mozcert-cli-XXXXXX")
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config
mkdir -p "$HOME"
# Tests never stage on the shared tmpfs: keep everything under $T.
export MOZCERT_STAGE_DIR=$T
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
# verify's lists (Symantec distrust, TLS interceptors): the tree's, not an installed copy.
export MOZCERT_DATA_DIR=${MOZCERT_DATA_DIR:-$SRCDIR/data}
n=0
failed=0
LOCKPID=
TEST_USERS=
cleanup() {
	[ -n "$LOCKPID" ] && kill "$LOCKPID" 2>/dev/null
	for u in $TEST_USERS; do userdel "$u" >/dev/null 2>&1; done
	rm -rf "$T"
}
trap cleanup EXIT

# need_tools TOOL...: the whole script is a TAP skip, with its reason, unless every TOOL is on PATH.
need_tools() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "1..0 # SKIP $tool is not installed"
			exit 0
		fi
	done
}
# rsa_ca NAME SUBJECT: a self-signed RSA CA (it can sign with MD5 and SHA-1 too) as NAME.pem, NAME.key.
rsa_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" -days 3650 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$1.pem" 2>/dev/null
}
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESC COMMAND...: passes when the command succeeds
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
# Every message mozcert printed (run appends to $T/messages) must name the user's files, never
# mozcert's private working copies (staging, repair and read-only copies).
# (A fix command's pattern, 'mozcert-stage-*', names no copy: a copy is mozcert-KIND-PID-XXXXXX.)
private_paths() { grep -E 'mozcert-(stage|repair|ro)-[0-9]+-|/dev/shm/' "$T/messages" 2>/dev/null; }
done_testing() {
	if leaks=$(private_paths); then
		not_ok "no message names a private working copy"
		printf '%s\n' "$leaks" | head -20 | sed 's/^/#   /'
	else
		ok "no message names a private working copy ($(grep -c '^# mozcert ' "$T/messages" 2>/dev/null || echo 0) runs)"
	fi
	echo "1..$n"; [ "$failed" -eq 0 ]
}

# run ARGS...: run mozcert; sets $out, $errout, $rc. A crash (>= 128) is always a failure.
run() {
	if [ -n "${MOZCERT_VALGRIND:-}" ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions="$SRCDIR/tests/valgrind.supp" \
			"$MOZCERT" "$@" >"$T/out" 2>"$T/err"
	else
		"$MOZCERT" "$@" >"$T/out" 2>"$T/err"
	fi
	rc=$?
	out=$(cat "$T/out")
	errout=$(cat "$T/err")
	{ printf '# mozcert %s\n' "$*"; cat "$T/out" "$T/err"; } >>"$T/messages"
	if [ "$rc" -ge 128 ]; then
		echo "# mozcert $* crashed with status $rc: $errout"
	fi
}
expect_rc() { # expect_rc DESC RC ARGS...
	d=$1; want=$2; shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then ok "$d"; else not_ok "$d (exit $rc, wanted $want; stderr: $errout)"; fi
}

sum_dir() { # a checksum of every regular file of a directory (names and bytes)
	(cd "$1" && find . -type f ! -name .parentlock ! -name .mozcert-lock ! -path './mozcert-backups/*' | LC_ALL=C sort | xargs -r sha256sum)
}

# new_profile DIR: an empty cert9 store as Firefox creates it (empty password).
new_profile() {
	mkdir -p "$1"
	certutil -N -d "sql:$1" --empty-password >/dev/null
}

# firefox_home: a profiles.ini with one default profile "default-release".
firefox_home() {
	mkdir -p "$HOME/.mozilla/firefox"
	cat >"$HOME/.mozilla/firefox/profiles.ini" <<INI
[General]
StartWithLastProfile=1
Version=2

[Profile0]
Name=default-release
IsRelative=1
Path=abcd1234.default-release
Default=1
INI
	P=$HOME/.mozilla/firefox/abcd1234.default-release
	new_profile "$P"
}

# make_users UID USER...: real users (root only) homed in $T/homes/USER, with uids from UID on,
# removed when the script exits; the whole script is a TAP skip when useradd fails.
make_users() {
	uid=$1
	shift
	TEST_USERS="$*"
	for u in "$@"; do userdel "$u" >/dev/null 2>&1; done
	for u in "$@"; do
		useradd -M -d "$T/homes/$u" -u "$uid" -U -s /bin/sh "$u" || { echo "1..0 # SKIP useradd failed"; exit 0; }
		uid=$((uid + 1))
	done
}

# user_ff_profiles USER NAME...: Firefox profiles NAME... (empty stores) in USER's home under $T/homes.
user_ff_profiles() {
	u=$1
	shift
	d=$T/homes/$u/.mozilla/firefox
	mkdir -p "$d"
	printf '[General]\nStartWithLastProfile=1\n' >"$d/profiles.ini"
	k=0
	for name in "$@"; do
		mkdir -p "$d/$name"
		certutil -N -d "sql:$d/$name" --empty-password
		printf '\n[Profile%d]\nName=%s\nIsRelative=1\nPath=%s\n' $k "$name" "$name" >>"$d/profiles.ini"
		k=$((k + 1))
	done
}

# hold_lock DIR: keep the profile's fcntl lock in a background process, as Firefox does.
hold_lock() {
	rm -f "$T/locked"
	python3 - "$1" "$T/locked" <<'PY' &
import fcntl, os, sys, time
fd = os.open(os.path.join(sys.argv[1], ".parentlock"), os.O_WRONLY | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
time.sleep(120)
PY
	LOCKPID=$!
	i=0
	while [ ! -e "$T/locked" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
release_lock() { [ -n "$LOCKPID" ] && kill "$LOCKPID" 2>/dev/null; wait "$LOCKPID" 2>/dev/null; LOCKPID=; }

# trust_of DIR NICK [FIREFOX]: the trust certutil prints (FIREFOX=1: through the browser's NSS).
trust_of() {
	if [ "${3:-0}" = 1 ]; then
		LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -L -d "sql:$1" 2>/dev/null
	else
		certutil -L -d "sql:$1" 2>/dev/null
	fi | awk -v n="$2" 'substr($0, 1, length(n)) == n && substr($0, length(n) + 1) ~ /^ +[^ ]*,[^ ]*,[^ ]* *$/ { print $NF }'
}
have_firefox_nss() { [ -f /usr/lib/firefox-esr/libsoftokn3.so ]; }

# real_copy NAME DIR: a writable copy of a real fixture folder
real_copy() { rm -rf "$2"; cp -r "$REAL/$1" "$2"; chmod -R u+w "$2"; }
# made_copy NAME DIR: a writable copy of a made fixture folder
made_copy() { rm -rf "$2"; cp -r "$MADE/$1" "$2"; chmod -R u+w "$2"; }
# extra NAME: the path of an optional original under $MOZCERT_EXTRA_FIXTURES; fails when absent
extra() { [ -n "$EXTRA" ] && [ -e "$EXTRA/$1" ] && printf '%s\n' "$EXTRA/$1"; }
# skip REASON, or skip DESC REASON: one TAP skip ("ok N - DESC # SKIP REASON") for each check not run.
# Every check a script leaves out (a tool, root, an optional original missing) is reported this way,
# never as a bare comment, so the count of checks is the same whether they ran or not.
skip() {
	n=$((n + 1))
	if [ $# -ge 2 ]; then echo "ok $n - $1 # SKIP $2"; else echo "ok $n # SKIP $1"; fi
}
# json_has PYEXPR: assert on the last --json output (d = document, r = first result)
json_has() { printf '%s\n' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); r=d['results'][0]; sys.exit(0 if ($1) else 1)"; }

# Servers the live tests start: the system's python3 (Debian's packages, aiosmtpd) even under a pyenv shim
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# free_port: a loopback TCP port nobody listens on now (the kernel's pick for port 0)
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_port PORT: until something accepts on it (at most 10 s)
wait_port() {
	"$PY" -c 'import socket,sys,time
for i in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close(); sys.exit(0)
    except OSError: time.sleep(0.05)
sys.exit(1)' "$1"
}

# ansible_setup: skip the script unless Debian's ansible-playbook is there; else make $A, where
# everything Ansible writes stays (no ansible.cfg of the cwd read), and point it at data/ansible.
ansible_setup() {
	if ! command -v ansible-playbook >/dev/null; then
		echo "1..0 # SKIP ansible-playbook not installed (Debian package ansible-core)"
		exit 0
	fi
	A=$T/ansible
	mkdir -p "$A/tmp" "$A/home"
	: >"$A/ansible.cfg"
	export ANSIBLE_CONFIG=$A/ansible.cfg ANSIBLE_HOME=$A/home ANSIBLE_LOCAL_TEMP=$A/tmp \
		ANSIBLE_REMOTE_TEMP=$A/tmp ANSIBLE_COLLECTIONS_PATH=$SRCDIR/data/ansible \
		ANSIBLE_COLLECTIONS_PATHS=$SRCDIR/data/ansible ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_STDOUT_CALLBACK=default
}
# play FILE [ARGS...]: run the playbook $A/FILE on localhost (variables mz, T and P); $play holds its
# output, $prc its status, $recap the recap numbers; its failures are echoed as TAP comments.
play() {
	f=$1; shift
	play=$(LC_ALL=C.UTF-8 ansible-playbook -i localhost, -c local -e "mz=$MOZCERT T=$T P=${P:-}" "$@" "$A/$f" 2>&1)
	prc=$?
	recap=$(printf '%s\n' "$play" | sed -n 's/^localhost *: *//p' | tr -s ' ')
	printf '%s\n' "$play" | sed -n '/fatal\|FAILED\|ERROR/p' | head -5 | sed 's/^/# /'
}
recap_field() { printf '%s\n' "$recap" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# ocsp_index_add V|R CERT: a line for CERT.pem (valid, or revoked now) in ./index.txt, openssl ca's
# database that openssl ocsp answers from.
ocsp_index_add() {
	exp=$(date -u -d "$(openssl x509 -in "$2.pem" -noout -enddate | sed 's/^notAfter=//')" +%y%m%d%H%M%SZ)
	serial=$(openssl x509 -in "$2.pem" -noout -serial | sed 's/^serial=//')
	if [ "$1" = R ]; then
		printf 'R\t%s\t%s\t%s\tunknown\t/CN=leaf.example\n' "$exp" "$(date -u +%y%m%d%H%M%SZ)" "$serial" >>index.txt
	else
		printf 'V\t%s\t\t%s\tunknown\t/CN=leaf.example\n' "$exp" "$serial" >>index.txt
	fi
}
# ocsp_responder CA SIGNER LOG: openssl ocsp on $OPORT answering from ./index.txt for CA's certificates
# with SIGNER's key ($OPID its process). One request at a time, each read bounded (-timeout): a client
# that connects and says nothing would otherwise hold it, so readiness is its log line, not a connection.
ocsp_responder() {
	openssl ocsp -index index.txt -port "$OPORT" -rsigner "$2.pem" -rkey "$2.key" -CA "$1.pem" \
		-ignore_err -timeout 5 >"$3" 2>&1 &
	OPID=$!
	i=0
	while ! grep -q "waiting for OCSP client" "$3" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	check "openssl ocsp ($2) listens on $OPORT" grep -q "waiting for OCSP client" "$3"
}
