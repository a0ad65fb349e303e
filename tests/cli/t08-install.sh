#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t08-install.sh: meson install --destdir puts the binary, the man page,
# docs/json.md, the bash completion and the Ansible collection where meson's install plan says, the
# completion in bash-completion's completionsdir when its pkg-config is found.
. "$(dirname "$0")/lib.sh"
: "${BUILDDIR:?BUILDDIR must name the build directory}"

if ! command -v meson >/dev/null; then
	echo "ok 1 # SKIP meson not in PATH"
	echo "1..1"
	exit 0
fi
D=$T/destdir
meson install -C "$BUILDDIR" --no-rebuild --destdir "$D" >"$T/install.log" 2>&1
check "meson install --destdir: exit 0" [ $? -eq 0 ]
meson introspect --installed "$BUILDDIR" >"$T/plan.json"
# where: the installed path of the source file whose name ends in $1
where() {
	python3 - "$T/plan.json" "$1" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
print(next((dst for src, dst in plan.items() if src.endswith(sys.argv[2])), ""))
PY
}
man=$(where docs/mozcert.1)
json=$(where docs/json.md)
comp=$(where data/mozcert.bash)
check "the man page is in the plan, under man1" sh -c 'case "$1" in */man1/mozcert.1) ;; *) exit 1 ;; esac' _ "$man"
check "the man page is installed" cmp -s "$D$man" "$SRCDIR/docs/mozcert.1"
check "json.md is in the plan, under doc/mozcert" sh -c 'case "$1" in */doc/mozcert/json.md) ;; *) exit 1 ;; esac' _ "$json"
check "json.md is installed" cmp -s "$D$json" "$SRCDIR/docs/json.md"
check "the completion is installed as 'mozcert'" cmp -s "$D$comp" "$SRCDIR/data/mozcert.bash"
check "... in a bash-completion completions directory" sh -c 'case "$1" in */bash-completion/completions/mozcert) ;; *) exit 1 ;; esac' _ "$comp"
if pkg-config --exists bash-completion 2>/dev/null; then
	check "... the one bash-completion's pkg-config names" \
		[ "$(dirname "$comp")" = "$(pkg-config --variable=completionsdir bash-completion)" ]
else
	echo "ok $((n = n + 1)) # SKIP bash-completion's pkg-config file not installed"
fi
sym=$(where data/symantec-distrust.txt)
icpt=$(where data/tls-interception.txt)
check "verify's lists are installed" sh -c 'cmp -s "$1$2" "$3/data/symantec-distrust.txt" && cmp -s "$1$4" "$3/data/tls-interception.txt"' \
	_ "$D" "$sym" "$SRCDIR" "$icpt"
check "... in the directory the binary reads them from (DATADIR/mozcert)" \
	grep -aq "$(dirname "$sym")" "$D$(where src/mozcert)"
check "the binary is installed and runs" sh -c '"$1" --version | grep -q "^mozcert "' _ "$D$(where src/mozcert)"
coll=$(where data/ansible/ansible_collections)
check "the Ansible collection is installed under DATADIR/mozcert/ansible" sh -c 'case "$1" in */mozcert/ansible/ansible_collections) ;; *) exit 1 ;; esac' _ "$coll"
for m in mozcert_cert mozcert_override mozcert_pref; do
	check "... with the module $m" cmp -s "$D$coll/mozcert/fleet/plugins/modules/$m.py" \
		"$SRCDIR/data/ansible/ansible_collections/mozcert/fleet/plugins/modules/$m.py"
done
inst=$D$(where src/mozcert)
check "mozcert-test (the build with test hooks) is not in the install plan" [ -z "$(where src/mozcert-test)" ]
# The installed binary has no test hooks: MOZCERT_CRASH_AT would SIGKILL mozcert-test mid-swap.
mkdir -p "$T/hook"
certutil -N -d "sql:$T/hook" --empty-password >/dev/null
MOZCERT_CRASH_AT=between-renames "$inst" -p "$T/hook" cert import --trust C,, "$FIX/certs/root.pem" >/dev/null 2>&1
check "the installed mozcert ignores MOZCERT_CRASH_AT: import exit 0" [ $? -eq 0 ]
check "... no journal left, the root listed by certutil" \
	sh -c '[ ! -e "$1/.mozcert-journal" ] && certutil -L -d "sql:$1" | grep -q "Test Root CA"' _ "$T/hook"
MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" -p "$T/hook" cert trust "mozcert Test Root CA - mozcert test" CT,C,C >/dev/null 2>&1
check "the control: mozcert-test dies at the same point (SIGKILL, journal left)" \
	sh -c '[ "$1" -eq 137 ] && [ -e "$2/.mozcert-journal" ]' _ $? "$T/hook"
check "the installed completion loads in bash" bash -c '. "$1" && complete -p mozcert >/dev/null' _ "$D$comp"
done_testing
