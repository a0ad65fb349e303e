#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t06-help.sh: help for every command and group (mozcert help X, X --help),
# usage errors (exit 2, the command's usage on stderr, one JSON document under
# --json), and every option a message suggests documented in the man page and
# in the help.
. "$(dirname "$0")/lib.sh"

MAN=$SRCDIR/docs/mozcert.1
has() { printf '%s\n' "$1" | grep -qF -- "$2"; }
one_json() { # one_json TEXT CMD: TEXT is exactly one JSON document, a usage error of CMD ("" for none)
	printf '%s' "$1" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
want = sys.argv[1] or None
assert d["command"] == want, d["command"]
assert d["ok"] is False and d["changed"] is False and d["results"] == [], d
assert d["error"]["code"] == "usage" and d["error"]["message"], d["error"]
' "$2"
}

# Every command and its own options (the global ones are listed by every help).
commands='
profiles        |
doctor          |
verify          | --name --port --roots
cert list       |
cert show       | --pem
cert import     | --trust
cert trust      |
cert remove     |
cert sync       | --trust --label
db repair       |
db reset        | --keep-user-certs --include-keys
db check        |
db upgrade      |
db backups      |
db restore      |
override list   | --cert
override add    | --cert --format --bits --origin
override remove | --origin
override prune  | --expired --cert
pref list       |
pref get        |
pref set        | --type --user-js --discard-invalid
pref unset      | --user-js --discard-invalid
ocsp on         | --user-js --discard-invalid
ocsp off        | --user-js --discard-invalid
ocsp require    | --user-js --discard-invalid
ocsp status     |
md5 on          | --user-js --discard-invalid
md5 off         | --user-js --discard-invalid
md5 status      |
'
globals='--profile --app --all-profiles --json --dry-run --password-file --force --quiet --verbose --help --version'

run help
check "mozcert help: exit 0" [ "$rc" -eq 0 ]
tophelp=$out
run --help
check "mozcert --help is mozcert help" [ "$rc" -eq 0 ] && [ "$out" = "$tophelp" ]
check "the help names every global option" sh -c 'for o in $2; do printf "%s\n" "$1" | grep -q -- "$o" || exit 1; done' _ "$tophelp" "$globals"
# the commands mozcert lists, as "group sub" or "cmd"
listed=$(printf '%s\n' "$tophelp" | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z0-9]\{1,\}\)\( [a-z0-9]\{1,\}\)\{0,1\}.*/\1\2/p' |
	while read -r a b; do
		case $a in profiles|doctor|verify|help) echo "$a" ;; *) echo "$a $b" ;; esac
	done | grep -v '^help$' | sort)
table=$(printf '%s\n' "$commands" | sed -n 's/^\([a-z0-9 ]*[a-z0-9]\) *|.*/\1/p' | sort)
check "every command mozcert lists has a row here (and no other)" [ "$listed" = "$table" ]
[ "$listed" = "$table" ] || { echo "# listed:"; echo "$listed" | sed 's/^/#   /'; }

set -f
printf '%s\n' "$commands" | while IFS='|' read -r cmd opts; do
	cmd=$(printf '%s' "$cmd" | sed 's/ *$//'); [ -n "$cmd" ] || continue
	# shellcheck disable=SC2086
	{
		run $cmd --help
		h=$out
		if [ "$rc" -eq 0 ] && [ -z "$errout" ] && has "$h" "usage: mozcert [GLOBAL OPTIONS] $cmd"; then
			ok "$cmd --help: exit 0, its usage on stdout"
		else
			not_ok "$cmd --help: exit $rc: $errout"
		fi
		miss=
		for o in $opts $globals; do has "$h" "$o" || miss="$miss $o"; done
		if [ -z "$miss" ]; then ok "$cmd --help names its options:$opts"; else not_ok "$cmd --help lacks$miss"; fi
		miss=
		for o in $opts; do grep -qE -- "Fl -${o#--}([^a-z-]|\$)" "$MAN" || miss="$miss $o"; done
		if [ -z "$miss" ]; then ok "$cmd: the man page documents$opts"; else not_ok "$cmd: the man page lacks$miss"; fi
		run help $cmd
		if [ "$rc" -eq 0 ] && [ "$out" = "$h" ]; then ok "mozcert help $cmd = $cmd --help"; else not_ok "mozcert help $cmd: exit $rc"; fi
		run --help $cmd
		if [ "$rc" -eq 0 ] && [ "$out" = "$h" ]; then ok "mozcert --help $cmd = $cmd --help"; else not_ok "mozcert --help $cmd: exit $rc"; fi
		run $cmd --no-such-option --help
		if [ "$rc" -eq 0 ] && [ "$out" = "$h" ]; then ok "$cmd: --help wins over a bad option"; else not_ok "$cmd --no-such-option --help: exit $rc"; fi
		run $cmd --no-such-option
		if [ "$rc" -eq 2 ] && [ -z "$out" ] && has "$errout" "unknown option '--no-such-option'" &&
			has "$errout" "usage: mozcert [GLOBAL OPTIONS] $cmd"; then
			ok "$cmd --no-such-option: exit 2, the message and the command's usage on stderr"
		else
			not_ok "$cmd --no-such-option: exit $rc; stdout: $out; stderr: $errout"
		fi
		miss=
		for o in $opts; do has "$errout" "$o" || miss="$miss $o"; done
		if [ -z "$miss" ]; then ok "$cmd: the usage on error lists its options"; else not_ok "$cmd: usage on error lacks$miss"; fi
		run --json $cmd --no-such-option
		if [ "$rc" -eq 2 ] && one_json "$out" "$cmd"; then
			ok "--json $cmd --no-such-option: exit 2, one JSON document with the usage error"
		else
			not_ok "--json $cmd --no-such-option: exit $rc: $out"
		fi
		run $cmd --no-such-option --json
		if [ "$rc" -eq 2 ] && one_json "$out" "$cmd"; then
			ok "$cmd --no-such-option --json (--json after the error): one JSON document"
		else
			not_ok "$cmd --no-such-option --json: exit $rc: $out"
		fi
	}
	echo "$n $failed" >"$T/counts"
done
read -r n failed <"$T/counts"

# Groups
for g in cert db override pref ocsp md5; do
	subs=$(printf '%s\n' "$commands" | sed -n "s/^$g \\([a-z0-9]*\\) *|.*/\\1/p")
	run $g --help
	h=$out
	miss=
	for s in $subs; do has "$h" "  $g $s" || miss="$miss $s"; done
	if [ "$rc" -eq 0 ] && [ -z "$miss" ] && has "$h" "usage: mozcert [GLOBAL OPTIONS] $g SUBCOMMAND"; then
		ok "$g --help: exit 0, every subcommand:" $subs
	else
		not_ok "$g --help: exit $rc, lacks$miss"
	fi
	run help $g
	check "mozcert help $g = $g --help" [ "$rc" -eq 0 ] && [ "$out" = "$h" ]
	run $g
	check "$g without a subcommand: exit 2, the group's usage on stderr" \
		sh -c '[ "$1" -eq 2 ] && printf "%s\n" "$2" | grep -q "usage: mozcert \[GLOBAL OPTIONS\] $3 SUBCOMMAND"' _ "$rc" "$errout" "$g"
	run $g no-such-sub
	check "$g no-such-sub: exit 2, names it" sh -c '[ "$1" -eq 2 ] && printf "%s\n" "$2" | grep -q "no-such-sub"' _ "$rc" "$errout"
	run --json $g no-such-sub
	check "--json $g no-such-sub: one JSON document" one_json "$out" ""
done
set +f

# Top level
expect_rc "mozcert with no command: exit 2" 2
check "... and the usage on stderr" has "$errout" "usage: mozcert [GLOBAL OPTIONS] COMMAND"
expect_rc "unknown command: exit 2" 2 no-such-command
run --json no-such-command
check "--json unknown command: one JSON document" one_json "$out" ""
run --no-such-option --json cert list
check "--json after an unknown global option: one JSON document, exit 2" sh -c '[ "$1" -eq 2 ]' _ "$rc" && one_json "$out" ""
run --json cert import
check "--json, a missing operand: one JSON document, exit 2" sh -c '[ "$1" -eq 2 ]' _ "$rc" && one_json "$out" "cert import"
expect_rc "help of an unknown command: exit 2" 2 help no-such-command
run help cert import verify
check "help of two commands, one after the other" sh -c 'printf "%s\n" "$1" | grep -q "cert import" && printf "%s\n" "$1" | grep -q "usage: mozcert \[GLOBAL OPTIONS\] verify"' _ "$out"
expect_rc "--version after a command" 0 cert list --version
check "... prints the version" has "$out" "mozcert "

# Every option a message of the sources suggests: documented in the man page and in the help.
allhelp=$tophelp
set -f
for c in $(printf '%s\n' "$commands" | sed -n 's/^\([a-z0-9 ]*[a-z0-9]\) *|.*/\1/p' | tr ' ' '+'); do
	# shellcheck disable=SC2046
	allhelp="$allhelp
$("$MOZCERT" $(printf '%s' "$c" | tr '+' ' ') --help)"
done
set +f
# string literals of the C sources; --remove-destination is cp's (a suggested shell command)
suggested=$(cat "$SRCDIR"/src/*.c "$SRCDIR"/src/*/*.c | grep -o '"[^"]*"' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u | grep -vx -- '--remove-destination')
check "the sources suggest options (grep works)" [ -n "$suggested" ]
for o in $suggested; do
	check "$o (in a message or a table): in the man page" grep -qE -- "Fl -${o#--}([^a-z-]|\$)" "$MAN"
	check "$o (in a message or a table): in the help" has "$allhelp" "$o"
done

done_testing
