#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t13-jobs.sh: --jobs, several profiles at once in forked workers. The output,
# the JSON results and the exit status are those of a run one profile after
# the other; a worker killed in the middle of a swap stops only its profile,
# which the next run finishes; a profile in use or named twice is handled as
# in turn. certutil is the oracle of every store.
. "$(dirname "$0")/lib.sh"

NP=6
F=$HOME/.mozilla/firefox
mkdir -p "$F"
{
	printf '[General]\nStartWithLastProfile=1\nVersion=2\n'
	i=0
	while [ $i -lt $NP ]; do
		printf '\n[Profile%d]\nName=p%d\nIsRelative=1\nPath=p%d\n' $i $i $i
		new_profile "$F/p$i"
		i=$((i + 1))
	done
} >"$F/profiles.ini"
for i in 1 2 3; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/ca$i.pem" -subj "/CN=mozcert t13 CA $i" -days 30 2>/dev/null
done
cp -a "$HOME/.mozilla" "$T/pristine"
reset_tree() { rm -rf "$HOME/.mozilla"; cp -a "$T/pristine" "$HOME/.mozilla"; }
# every profile holds the three CAs with trust C,, (certutil's view)
all_imported() {
	i=0
	while [ $i -lt $NP ]; do
		for c in 1 2 3; do
			[ "$(trust_of "$F/p$i" "mozcert t13 CA $c")" = "C,," ] || { echo "# p$i: CA $c missing"; return 1; }
		done
		i=$((i + 1))
	done
}
no_backup_ids() { python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    r.pop("backup", None)
print(json.dumps(d, sort_keys=True))' "$1"; }

# 1. --jobs takes a number of profiles, 1 to 64
for bad in 0 65 x -1 ""; do
	expect_rc "--jobs '$bad' is a usage error" 2 --jobs "$bad" --all-profiles cert import "$T/ca1.pem"
done
check "--jobs 0 says what it wants" sh -c 'printf "%s" "$1" | grep -q "1 to 64"' _ "$errout"
run --help
check "--help lists --jobs" sh -c 'printf "%s" "$1" | grep -q -- "--jobs N"' _ "$out"

# 2. the same import one after the other and four at once: the same text, JSON and stores
reset_tree
run --jobs 1 --all-profiles cert import --trust C,, "$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem"
rc1=$rc; cp "$T/out" "$T/text1"
check "--jobs 1: every profile holds the CAs" all_imported
reset_tree
run --jobs 4 --all-profiles cert import --trust C,, "$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem"
check "--jobs 4: exit 0 as in turn" [ "$rc" -eq 0 ] && [ "$rc1" -eq 0 ]
check "--jobs 4: the text output is the same, byte for byte" cmp -s "$T/out" "$T/text1"
check "--jobs 4: every profile holds the CAs" all_imported
check "--jobs 4: the profiles come in their order" sh -c '[ "$(grep "^== " "$1" | sed "s/.*profile .\(p[0-9]*\).*/\1/" | tr "\n" " ")" = "p0 p1 p2 p3 p4 p5 " ]' _ "$T/out"
reset_tree
run --jobs 1 --json --all-profiles cert import --trust C,, "$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem"
no_backup_ids "$T/out" >"$T/json1"
reset_tree
run --jobs 3 --json --all-profiles cert import --trust C,, "$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem"
no_backup_ids "$T/out" >"$T/json3"
check "--jobs 3 --json: the same document (backup ids aside)" cmp -s "$T/json1" "$T/json3"
check "--jobs 3 --json: six results, each changed" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["changed"] and d["ok"] and len(d["results"]) == 6
assert all(r["changed"] and r["error"] is None and r["backup"] for r in d["results"])' "$T/out"
# the second run changes nothing, at once as in turn
run --jobs 3 --json --all-profiles cert import --trust C,, "$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem"
check "--jobs 3, again: changed false everywhere" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["changed"] and d["ok"] and not any(r["changed"] for r in d["results"])' "$T/out"

# 3. cert trust, cert remove and cert sync at once: certutil sees each change in every profile
run --jobs 3 --all-profiles cert trust "mozcert t13 CA 2" CT,,
check "--jobs 3 cert trust: exit 0" [ "$rc" -eq 0 ]
check "--jobs 3 cert trust: CT,, in every profile" sh -c '
for i in 0 1 2 3 4 5; do
	certutil -L -d "sql:$1/p$i" | grep -q "^mozcert t13 CA 2  *CT,, *$" || exit 1
done' _ "$F"
run --jobs 3 --all-profiles cert remove "mozcert t13 CA 3"
check "--jobs 3 cert remove: gone from every profile" sh -c '
for i in 0 1 2 3 4 5; do
	certutil -L -d "sql:$1/p$i" | grep -q "t13 CA 3" && exit 1
done; exit 0' _ "$F"
mkdir -p "$T/src" && cp "$T/ca1.pem" "$T/src/"
run --jobs 3 --json --all-profiles cert sync --label t13 "$T/src"
check "--jobs 3 cert sync: exit 0, a result per profile" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] and len(d["results"]) == 6, d' "$T/out"

# 4. a profile in use: skipped and reported as in turn, the others done; exit 3
reset_tree
hold_lock "$F/p2"
run --jobs 1 --all-profiles cert import --trust C,, "$T/ca1.pem"
rc1=$rc; cp "$T/out" "$T/text1"; cp "$T/err" "$T/err1"
release_lock
reset_tree
hold_lock "$F/p2"
run --jobs 3 --all-profiles cert import --trust C,, "$T/ca1.pem"
check "in use: exit 3 at once as in turn" [ "$rc" -eq 3 ] && [ "$rc1" -eq 3 ]
check "in use: the same text and the same error" sh -c 'cmp -s "$1" "$2" && cmp -s "$3" "$4"' _ "$T/out" "$T/text1" "$T/err" "$T/err1"
check "in use: the others hold the CA, p2 does not" sh -c '
for i in 0 1 3 4 5; do certutil -L -d "sql:$1/p$i" | grep -q "t13 CA 1" || exit 1; done
! certutil -L -d "sql:$1/p2" | grep -q "t13 CA 1"' _ "$F"
release_lock

# 5. a profile named twice is done in turn: no worker waits on the other's lock
reset_tree
printf '\n[Profile%d]\nName=again\nIsRelative=1\nPath=p1\n' $NP >>"$F/profiles.ini"
run --jobs 4 --all-profiles cert import --trust C,, "$T/ca1.pem"
check "p1 named twice: exit 0, seven parts" sh -c '[ "$1" -eq 0 ] && [ "$(grep -c "^== " "$2")" -eq 7 ]' _ "$rc" "$T/out"
check "p1 named twice: the second sees it done" sh -c 'grep -A2 "profile .again." "$1" | grep -q "0 changed, 1 unchanged"' _ "$T/out"

# 6. a worker killed in the middle of its swap (mozcert-test's crash hook): the parent reports that
# profile and goes on; the next run finishes the swap; no store is half-changed
reset_tree
MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" --jobs 2 --json --all-profiles cert import --trust C,, \
	"$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem" >"$T/out" 2>"$T/err"
rc=$?
check "killed workers: the parent lives on and exits 1" [ "$rc" -eq 1 ]
check "killed workers: each profile has a result; two killed, the rest not run" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["results"]
assert len(rs) == 6 and not d["ok"], d
msgs = [r["error"]["message"] for r in rs]
assert sum("was killed" in m for m in msgs) == 2, msgs
assert sum("not done: every process" in m for m in msgs) == 4, msgs
assert [r["profile"]["name"] for r in rs] == ["p%d" % i for i in range(6)]' "$T/out"
check "killed workers: stderr names the signal" grep -q "was killed (Killed)" "$T/err"
run --jobs 2 --all-profiles cert import --trust C,, "$T/ca1.pem" "$T/ca2.pem" "$T/ca3.pem"
check "after the kill: the next run succeeds" [ "$rc" -eq 0 ]
check "after the kill: every profile holds the CAs" all_imported
check "after the kill: every store passes db check" sh -c '"$1" --jobs 2 --all-profiles db check >/dev/null' _ "$MOZCERT"
check "after the kill: no journal or temporary file is left" sh -c '! find "$1" -name "*.mozcert-*" ! -name .mozcert-lock | grep -q .' _ "$F"

done_testing
