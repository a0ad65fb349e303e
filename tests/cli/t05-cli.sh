#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t05-cli.sh: one option rule for every command. Each command of the matrix
# below runs in every order of its operands, its own options and the global
# options; each order must give the reference's exit status and the very same
# output, and the reference must show that the command's option and -p took
# effect. Then "--" followed by an operand that starts with '-'.
. "$(dirname "$0")/lib.sh"

export MOZCERT_APP_DIRS=
mkdir -p "$T/pol"
export MOZCERT_POLICY_DIRS="$T/pol"
set -f

# The default profile (default-release) is empty: -p P must be honoured for the
# outputs to name P's certificates and prefs.
firefox_home
P=$T/p
new_profile "$P"
certutil -A -d "sql:$P" -n rootca -t C,, -i "$FIX/certs/root.pem"
# a prefs.js with a syntax error: a write succeeds only when --discard-invalid is read
printf 'user_pref("a.b", 1);\nuser_pref(bad\n' >"$P/prefs.js"
W=$T/work; mkdir -p "$W"; cd "$W" || exit 1
cp "$FIX/certs/leaf.pem" "$FIX/certs/root.pem" "$FIX/certs/intermediate.pem" .
cp "$FIX/certs/intermediate.pem" ./-weird.pem
cat leaf.pem intermediate.pem >chain.pem
"$MOZCERT" -q -p "$P" override add alias.example --cert leaf.pem || echo "# setup: override add failed"
before=$(sum_dir "$P")

# Commands x orders. Columns: command | mode (j: --json is among the global
# options, t: text with -v) | operands | the command's own options | exit
# status | text the reference output shows (;-separated) | operands after "--"
# (one starts with '-', and the output must name it) | exit status with them.
# The global options are always -p P and -n (so writers change nothing).
matrix='
profiles        |j|                                 |                                  |0| "location": "dir";"name": "p"         | -x                  |2
doctor          |j|                                 |                                  |0| "name": "p"                            | -x                  |2
verify          |j| chain.pem                       | --name leaf.mozcert.test --roots none |0| "verdict": "accepted";"name": "leaf.mozcert.test" | -weird.pem |1
cert list       |j|                                 |                                  |0| "nickname": "rootca"                   | -x                  |2
cert show       |t| rootca                          | --pem                            |0| BEGIN CERTIFICATE                      | -nosuch             |1
cert import     |j| intermediate.pem                | --trust CT,,                     |0| "trust": "CT,,"                        | -weird.pem          |0
cert trust      |j| rootca C,C,                     |                                  |0| "trust": "C,C,"                        | -nosuch C,,         |1
cert remove     |j| rootca                          |                                  |0| "status": "removed"                    | -nosuch             |0
db check        |j|                                 |                                  |0| "command": "db check";"name": "p"      | -x                  |2
db upgrade      |j|                                 |                                  |0| "command": "db upgrade";"name": "p"    | -x                  |2
db backups      |j|                                 |                                  |0| "command": "db backups";"name": "p"    | -x                  |2
db restore      |j| latest                          |                                  |1| has no backups                         | -x/                 |2
db repair       |j|                                 |                                  |0| "nickname": "rootca"                   | -x                  |2
db reset        |j|                                 | --keep-user-certs --include-keys |0| "kept_count": 1;"key_database": "new"  | -x                  |2
override list   |j|                                 | --cert leaf.pem                  |0| CN=leaf.mozcert.test                   | -x                  |2
override add    |j| leaf.mozcert.test:8443          | --cert leaf.pem --bits=MU        |0| "port": 8443                           | -dash.example       |0
override remove |j| alias.example                   | --origin default                 |0| "removed": 1                           | -dash.example       |0
override prune  |j|                                 | --expired --cert leaf.pem        |0| "reader_era"                           | -x                  |2
pref list       |j|                                 |                                  |0| "name": "a.b"                          | -x                  |2
pref get        |j| a.b                             |                                  |0| "name": "a.b"                          | -zz.none            |1
pref set        |j| zz.a 5                          | --type string --discard-invalid  |0| "value": "5"                           | zz.dash -abc        |0
pref unset      |j| a.b                             | --user-js --discard-invalid      |0| "name": "a.b"                          | -zz.none            |0
ocsp on         |j|                                 | --user-js --discard-invalid      |0| "command": "ocsp on"                   | -x                  |2
ocsp off        |j|                                 | --discard-invalid                |0| "security.OCSP.enabled"                | -x                  |2
ocsp require    |j|                                 | --discard-invalid                |0| "security.OCSP.require"                | -x                  |2
ocsp status     |j|                                 |                                  |0| "mode": "on"                           | -x                  |2
md5 on          |j|                                 | --discard-invalid                |0| "security.enable_md5_signatures"       | -x                  |2
md5 off         |j|                                 | --discard-invalid                |0| "command": "md5 off"                   | -x                  |2
md5 status      |j|                                 |                                  |0| "md5"                                  | -x                  |2
'
# The orders (C: command words, A: its options, O: operands, G = G1 G2: global options):
#   ref      G C A O        options, then operands; globals before the command
#   ops1st   G C O A        operands, then options
#   gafter   C O A G        globals after everything
#   gmixed   C A G1 O G2    globals between the options and operands
#   gsplit   G1 C O A G2    globals before and after
#   ggroup   GROUP G SUB O A   globals between a group and its subcommand
#   dashdash G C A -- D     "--", then operands that start with '-'

norm() { # outputs to compare: drop what differs from run to run
	sed -e 's/"[0-9]\{8\}T[0-9]\{6\}Z[^"]*"/"ID"/g' "$1"
}

trim() { printf '%s' "$1" | sed -e 's/^ *//' -e 's/ *$//'; }

printf '%s\n' "$matrix" | while IFS='|' read -r cmd mode ops opts rc shows dash dashrc; do
	cmd=$(trim "$cmd"); [ -n "$cmd" ] || continue
	mode=$(trim "$mode"); ops=$(trim "$ops"); opts=$(trim "$opts"); rc=$(trim "$rc")
	shows=$(trim "$shows"); dash=$(trim "$dash"); dashrc=$(trim "$dashrc")
	if [ "$mode" = j ]; then G2="--json -n"; else G2="-v -n"; fi
	G1="-p $P"
	# shellcheck disable=SC2086 # the words of each column are split on purpose (set -f)
	{
		run $G1 $G2 $cmd $opts $ops; cp "$T/out" "$T/ref"; refrc=$rc
	}
	if [ "$refrc" -eq "$rc" ]; then ok "$cmd [ref]: exit $rc"; else not_ok "$cmd [ref]: exit $refrc, wanted $rc ($errout)"; fi
	missing=
	oldifs=$IFS; IFS=';'
	for s in $shows; do grep -qF -- "$s" "$T/ref" || grep -qF -- "$s" "$T/err" || missing="$missing [$s]"; done
	IFS=$oldifs
	if [ -z "$missing" ]; then ok "$cmd [ref]: shows $shows"; else not_ok "$cmd [ref]: output lacks$missing"; fi
	norm "$T/ref" >"$T/ref.n"
	same() { # same ORDER: the last run gave the reference's status and output
		norm "$T/out" >"$T/out.n"
		if [ "$rc" -eq "$refrc" ] && cmp -s "$T/ref.n" "$T/out.n"; then
			ok "$cmd [$1]: same status and output"
		else
			not_ok "$cmd [$1]: exit $rc (reference $refrc); $(diff "$T/ref.n" "$T/out.n" | head -3 | tr '\n' ' ') $errout"
		fi
	}
	# shellcheck disable=SC2086
	{
		run $G1 $G2 $cmd $ops $opts; same ops1st
		run $cmd $ops $opts $G1 $G2; same gafter
		run $cmd $opts $G1 $ops $G2; same gmixed
		run $G1 $cmd $ops $opts $G2; same gsplit
		case $cmd in *' '*)
			run ${cmd%% *} $G1 $G2 ${cmd#* } $ops $opts; same ggroup ;;
		esac
		run $G1 $G2 $cmd $opts -- $dash
	}
	for first in $dash; do case $first in -*) break ;; esac; done
	if [ "$rc" -eq "$dashrc" ] && ! grep -q "unknown option" "$T/err" &&
		{ grep -qF -- "$first" "$T/out" || grep -qF -- "$first" "$T/err"; }; then
		ok "$cmd [dashdash]: '-- $dash' are operands (exit $rc)"
	else
		not_ok "$cmd [dashdash]: exit $rc, wanted $dashrc, or '$first' not named: $errout"
	fi
	echo "$n $failed" >"$T/counts"
done
read -r n failed <"$T/counts"
set +f

# Values and operands that start with '-'
run -p "$P" --json -n pref set --discard-invalid zz.neg -5
check "a negative number is an operand: pref set zz.neg -5 sets the int -5" \
	json_has '[p["after"]["value"] for p in r["prefs"]] == [-5]'
run -p "$P" --json -n pref set --discard-invalid zz.dash --type string -- -abc
check "an operand after --: pref set ... -- -abc" json_has '[p["after"]["value"] for p in r["prefs"]] == ["-abc"]'
expect_rc "without --, -abc is an option: usage error" 2 -p "$P" -n pref set zz.dash -abc
check "... that says which option" sh -c 'printf "%s\n" "$1" | grep -q "unknown option .-a."' _ "$errout"
printf '\n' >-pw
expect_rc "an option's value that starts with '-' is its value: --password-file -pw" 0 -p "$P" cert list --password-file -pw
expect_rc "a missing value is a usage error" 2 -p "$P" cert import root.pem --trust
check "... that names the option" sh -c 'printf "%s\n" "$1" | grep -q "option .--trust. needs a value"' _ "$errout"
expect_rc "a value given with = (--trust=C,,)" 0 -p "$P" -n cert import --trust=C,, root.pem
expect_rc "clustered global short options after the command (-nq)" 0 cert import root.pem -p "$P" -nq
check "... -q: nothing printed" [ -z "$out" ]
expect_rc "global options before the command still stop at it" 2 -p "$P" --bogus cert list

check "nothing in the profile changed (every writer ran with -n)" [ "$(sum_dir "$P")" = "$before" ]
done_testing
