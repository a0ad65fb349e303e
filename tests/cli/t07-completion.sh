#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t07-completion.sh: data/mozcert.bash, sourced in bash, completes commands,
# subcommands, options (from mozcert's help), option values, profile names of
# profiles.ini and the certificate nicknames of the chosen profile's store.
. "$(dirname "$0")/lib.sh"

if ! command -v bash >/dev/null; then
	echo "ok 1 # SKIP bash not installed"
	echo "1..1"
	exit 0
fi
export MOZCERT_APP_DIRS=
firefox_home
certutil -A -d "sql:$P" -n "Corp Root" -t C,, -i "$FIX/certs/root.pem"
W=$T/work
new_profile "$W"
certutil -A -d "sql:$W" -n mid-ca -t ,, -i "$FIX/certs/intermediate.pem"
printf '\n[Profile1]\nName=work\nIsRelative=0\nPath=%s\n' "$W" >>"$HOME/.mozilla/firefox/profiles.ini"
mkdir -p "$HOME/.thunderbird"
printf '[Profile0]\nName=mail\nIsRelative=1\nPath=x.mail\nDefault=1\n' >"$HOME/.thunderbird/profiles.ini"

# comp "WORD ...": the completions of the last word, one a line ("%" stands for an empty word)
comp() {
	bash -c '. "$1/data/mozcert.bash"
		read -r -a COMP_WORDS <<<"$2 $3"
		for i in "${!COMP_WORDS[@]}"; do [ "${COMP_WORDS[i]}" = % ] && COMP_WORDS[i]=; done
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$2 $3"; COMP_POINT=${#COMP_LINE}
		_mozcert; printf "%s\n" "${COMPREPLY[@]}"' _ "$SRCDIR" "$MOZCERT" "$1" 2>"$T/comp.err"
}
# offers "WORD ..." EXPECTED...: every EXPECTED is offered
offers() {
	got=$(comp "$1")
	shift
	for e in "$@"; do
		printf '%s\n' "$got" | grep -qxF -- "$e" || { echo "# '$e' not in: $(echo $got)"; return 1; }
	done
}
lacks() { # lacks "WORD ..." NOT: NOT is not offered
	got=$(comp "$1")
	! printf '%s\n' "$got" | grep -qxF -- "$2"
}

check "sourcing defines the completion for mozcert" bash -c '. "$1/data/mozcert.bash" && complete -p mozcert | grep -q _mozcert' _ "$SRCDIR"
check "commands" offers "%" profiles doctor verify cert db override pref ocsp md5 help
check "subcommands of a group" offers "cert %" list show import trust remove
check "a subcommand's prefix" offers "db re" repair reset restore
check "prefix: only what matches" lacks "db re" check
check "subcommands after a global option between" offers "cert --json li" list
check "help completes commands" offers "help %" cert verify
check "help GROUP completes subcommands" offers "help override %" add prune
check "global options" offers "-" --profile --app --all-profiles --json --dry-run --password-file --force --help --version -p -n -q -v
check "a command's own options (cert import)" offers "cert import -" --trust --json --dry-run
check "a command's own options (verify)" offers "verify --n" --name
check "a command's own options (db reset)" offers "db reset --k" --keep-user-certs
check "a command's own options (pref set)" offers "pref set zz 1 -" --type --user-js --discard-invalid
check "not another command's options" lacks "cert import --" --pem
check "--app values" offers "--app %" firefox thunderbird seamonkey
check "--type values" offers "pref set --type %" bool int string
check "--trust values" offers "cert import --trust %" "C,,"
check "profile names of profiles.ini (-p)" offers "-p %" default-release work mail
check "profile names (--profile), prefix" offers "--profile w" work
check "--app thunderbird: its profiles only" lacks "--app thunderbird -p %" default-release
check "--app thunderbird: mail" offers "--app thunderbird -p %" mail
check "nicknames of the default profile's store, quoted" offers "cert show %" 'Corp\ Root'
check "nicknames of the profile -p names" offers "-p work cert remove %" mid-ca
check "... and not the default profile's" lacks "-p work cert remove %" 'Corp\ Root'
check "nicknames, with the profile after the command" offers "cert trust -p work m" mid-ca
check "cert trust NICK: trust strings next" offers "-p work cert trust mid-ca %" "C,,"
check "db restore: latest" offers "db restore %" latest
check "nothing on stderr" [ ! -s "$T/comp.err" ]

# The commands and options come from the binary's help: a command mozcert
# adds later (here a three-word one, beside a two-word one) completes as is.
mkdir -p "$T/fake"
cat >"$T/fake/mozcert" <<'SH'
#!/bin/sh
case "$*" in
help) printf 'usage: mozcert\n\nCommands:\n  db backups                     list\n  db backups prune --keep N      prune\n  help [COMMAND...]              help\n\n' ;;
"help db backups prune") printf 'usage: mozcert db backups prune\n\nOptions:\n  --keep N   keep N\n  --older-than DAYS   older\n' ;;
esac
SH
chmod +x "$T/fake/mozcert"
check "a later command's third word (db backups prune)" sh -c 'printf "%s\n" "$1" | grep -qx prune' _ "$(MOZCERT=$T/fake/mozcert comp "db backups %")"
check "... and its options, from its help" sh -c 'printf "%s\n" "$1" | grep -qx -- --older-than' _ "$(MOZCERT=$T/fake/mozcert comp "db backups prune --o")"
done_testing
