#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t95-security.sh: what a writer must never do, whatever the profile holds:
# write through a symlink to a file (or a backup directory) outside the
# profile; change a file's owner or mode; make a new private file or backup
# readable by others (even under umask 000); let a Primary Password reach
# argv, output, or the process's memory once it is done with it.
. "$(dirname "$0")/lib.sh"

ROOT=$FIX/certs/root.pem
LEAF=$FIX/certs/leaf.pem
mkdir -p "$T/outside"

# base DIR: a profile with a store holding the root, an override and a prefs.js.
base() {
	new_profile "$1"
	certutil -A -d "sql:$1" -n root -t C,, -a -i "$ROOT"
	printf '# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n' >"$1/cert_override.txt"
	printf 'user_pref("security.OCSP.enabled", 1);\n' >"$1/prefs.js"
}

# --- 1. symlinks to files outside the profile are never written through
for spec in \
	"cert9.db|cert import --trust C,, $LEAF" \
	"cert9.db|cert trust root P,," \
	"cert9.db|cert remove root" \
	"cert9.db|db repair" \
	"cert9.db|db reset" \
	"key4.db|cert import $LEAF" \
	"key4.db|db reset" \
	"cert_override.txt|override add a.example --cert $LEAF" \
	"cert_override.txt|override prune" \
	"prefs.js|pref set security.OCSP.enabled 0" \
	"prefs.js|ocsp off" \
	"prefs.js|md5 on"; do
	f=${spec%%|*}
	cmd=${spec#*|}
	Q=$T/sym-$(printf '%s' "$f-$cmd" | tr -c 'a-zA-Z0-9' '_')
	base "$Q"
	mv "$Q/$f" "$T/outside/$(basename "$Q")-$f"
	ln -s "$T/outside/$(basename "$Q")-$f" "$Q/$f"
	tsum=$(sha256sum <"$T/outside/$(basename "$Q")-$f")
	# shellcheck disable=SC2086
	run -p "$Q" $cmd
	check "symlinked $f, $cmd: refused (exit 1)" [ "$rc" -eq 1 ]
	check "symlinked $f, $cmd: the error says it is a symbolic link" \
		sh -c 'printf "%s\n" "$1" | grep -qi "symbolic link"' _ "$errout"
	check "symlinked $f, $cmd: the outside file is untouched" \
		[ "$(sha256sum <"$T/outside/$(basename "$Q")-$f")" = "$tsum" ]
	check "symlinked $f, $cmd: still a symlink" [ -L "$Q/$f" ]
done

# A mozcert-backups that points outside the profile: nothing is written there.
Q=$T/symbk
base "$Q"
mkdir -p "$T/outside/backups"
ln -s "$T/outside/backups" "$Q/mozcert-backups"
before=$(cd "$Q" && sha256sum cert9.db key4.db prefs.js cert_override.txt)
for cmd in "cert import $LEAF" "pref set security.OCSP.enabled 0" "override add b.example --cert $LEAF" "db repair"; do
	# shellcheck disable=SC2086
	run -p "$Q" $cmd
	check "symlinked mozcert-backups, $cmd: refused (exit 1)" [ "$rc" -eq 1 ]
	check "symlinked mozcert-backups, $cmd: nothing written outside" [ -z "$(ls -A "$T/outside/backups")" ]
done
check "symlinked mozcert-backups: the profile is unchanged" \
	[ "$(cd "$Q" && sha256sum cert9.db key4.db prefs.js cert_override.txt)" = "$before" ]

# --- 2. modes kept, new private files 0600 and backup dirs 0700, even under umask 000
Q=$T/modes
base "$Q"
chmod 0640 "$Q/cert9.db" "$Q/prefs.js"
chmod 0604 "$Q/key4.db"
chmod 0644 "$Q/cert_override.txt"
(
	umask 000
	"$MOZCERT" -p "$Q" cert import --trust C,, "$LEAF" >/dev/null 2>&1 &&
		"$MOZCERT" -p "$Q" pref set security.OCSP.enabled 0 >/dev/null 2>&1 &&
		"$MOZCERT" -p "$Q" override add c.example --cert "$LEAF" >/dev/null 2>&1
)
check "umask 000: three writers succeed" [ $? -eq 0 ]
check "modes kept: cert9.db 0640, key4.db 0604, prefs.js 0640, cert_override.txt 0644" \
	[ "$(stat -c %a "$Q/cert9.db" "$Q/key4.db" "$Q/prefs.js" "$Q/cert_override.txt" | tr '\n' ' ')" = "640 604 640 644 " ]
check "umask 000: backup dirs are 0700" \
	[ -z "$(find "$Q/mozcert-backups" -mindepth 0 -type d ! -perm 0700)" ]
# A backup of a replaced file is the old file itself (a hard link, mode and owner as they were,
# so db restore puts them back); what mozcert writes there new (copies, notes) is 0600.
check "umask 000: backups hold files" [ -n "$(find "$Q/mozcert-backups" -type f)" ]
check "umask 000: new backup files (REASON notes) are 0600" \
	[ -z "$(find "$Q/mozcert-backups" -type f -name REASON ! -perm 0600)" ]
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	f=$(find "$Q/mozcert-backups" -type f -name prefs.js | head -1)
	chmod 0644 "$f"
	chmod 0711 "$T"
	mkdir -p "$T/anyone"; chmod 1777 "$T/anyone"
	export MOZCERT_STAGE_DIR=$T/anyone TMPDIR=$T/anyone
	chmod 0755 "$Q"
	check "another user can read the profile's own 0644 files (so the next check can fail)" \
		sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups cat "$1" >/dev/null' _ "$Q/cert_override.txt"
	check "another user cannot read a backup, even one of mode 0644" \
		sh -c '! setpriv --reuid=65534 --regid=65534 --clear-groups cat "$1" >/dev/null 2>&1' _ "$f"
	chmod 0700 "$T"
else
	skip "another user can read the profile's own 0644 files" "needs root and setpriv"
	skip "another user cannot read a backup, even one of mode 0644" "needs root and setpriv"
fi
N=$T/newfiles
new_profile "$N"
rm -f "$N/cert_override.txt" "$N/prefs.js"
(
	umask 000
	"$MOZCERT" -p "$N" override add d.example --cert "$LEAF" >/dev/null 2>&1 &&
		"$MOZCERT" -p "$N" pref set security.OCSP.enabled 0 >/dev/null 2>&1 &&
		"$MOZCERT" -p "$N" db reset >/dev/null 2>&1
)
check "umask 000: override add, pref set, db reset succeed" [ $? -eq 0 ]
check "umask 000: new cert_override.txt and prefs.js are 0600" \
	[ "$(stat -c %a "$N/cert_override.txt" "$N/prefs.js" | tr '\n' ' ')" = "600 600 " ]
check "umask 000: db reset makes cert9.db and key4.db 0600" \
	[ "$(stat -c %a "$N/cert9.db" "$N/key4.db" | tr '\n' ' ')" = "600 600 " ]
check "umask 000: no file of the profile is writable by others" [ -z "$(find "$N" -perm -0002)" ]

# --- 3. owners kept; new files take the profile's owner (an admin fixing a user's profile as root)
if [ "$(id -u)" -eq 0 ]; then
	# root acts on these profiles with their owner's identity: the owner must be able to reach them
	chmod 0711 "$T"
	mkdir -p "$T/anyone"; chmod 1777 "$T/anyone"
	export MOZCERT_STAGE_DIR=$T/anyone TMPDIR=$T/anyone
	Q=$T/owners
	base "$Q"
	chown -R 4242:4343 "$Q"
	# A lock file someone else made is used, never given away (it could be a hard link to anything).
	: >"$Q/.parentlock"
	chown 5555:5555 "$Q/.parentlock"
	chmod 0666 "$Q/.parentlock"  # the owner can open it (else its own application could not lock either)
	"$MOZCERT" -p "$Q" cert import --trust C,, "$LEAF" >/dev/null 2>&1
	"$MOZCERT" -p "$Q" pref set security.OCSP.enabled 0 >/dev/null 2>&1
	"$MOZCERT" -p "$Q" override add e.example --cert "$LEAF" >/dev/null 2>&1
	check "owners kept by cert import, pref set, override add" \
		[ -z "$(find "$Q" -maxdepth 1 -type f \( ! -user 4242 -o ! -group 4343 \) -name '*.*' ! -name .parentlock)" ]
	check "a lock file found is not given away" [ "$(stat -c %u:%g "$Q/.parentlock")" = "5555:5555" ]
	run -p "$Q" db repair
	check "owners kept by db repair" [ "$(stat -c %u:%g "$Q/cert9.db" "$Q/key4.db" | sort -u)" = "4242:4343" ]
	# Root writes with the owner's identity: the backups are the owner's (0700), so the owner can list,
	# restore and remove them, and nothing in the profile was written with root's rights.
	check "backups made as root are the owner's, 0700" \
		[ -d "$Q/mozcert-backups" ] && [ -z "$(find "$Q/mozcert-backups" \( ! -user 4242 -o ! -group 4343 \) -o -type d ! -perm 0700)" ]
	N=$T/owners-new
	mkdir -p "$N"
	certutil -N -d "dbm:$N" --empty-password
	certutil -A -d "dbm:$N" -n root -t C,, -a -i "$ROOT"
	chown -R 4242:4343 "$N"
	run -p "$N" db upgrade
	check "db upgrade as root: succeeds" [ "$rc" -eq 0 ]
	run -p "$N" override add f.example --cert "$LEAF"
	run -p "$N" pref set security.OCSP.enabled 0
	check "new files made as root (lock file included) take the profile's owner" \
		[ "$(stat -c %u:%g "$N/cert9.db" "$N/key4.db" "$N/cert_override.txt" "$N/prefs.js" "$N/.parentlock" "$N/.mozcert-lock" | sort -u)" = "4242:4343" ]
else
	for d in "owners kept by cert import, pref set, override add" "a lock file found is not given away" \
		"owners kept by db repair" "backups made as root are the owner's, 0700" "db upgrade as root: succeeds" \
		"new files made as root (lock file included) take the profile's owner"; do
		skip "$d" "needs root (files of another owner)"
	done
fi

# --- 4. a Primary Password never reaches argv, output, or memory after use
PWC="Canary-pw-7f3a9c1e"
Q=$T/pw
base "$Q"
printf '\n' >"$T/empty.txt"
printf '%s\n%s\n' "$PWC" "$PWC" >"$T/pw2.txt"
certutil -W -d "sql:$Q" -f "$T/empty.txt" -@ "$T/pw2.txt" >/dev/null 2>&1
printf '%s\n' "$PWC" >"$T/pw.txt"
printf 'Wrong-%s\n' "$PWC" >"$T/wrong.txt"
for args in "cert list" "--json cert list" "-v cert import --trust C,, $LEAF" "-v db repair" "--json db check"; do
	# shellcheck disable=SC2086
	run --password-file "$T/pw.txt" -p "$Q" $args
	check "password: '$args' exit 0" [ "$rc" -eq 0 ]
	check "password: '$args' never prints it" sh -c '! printf "%s\n%s\n" "$1" "$2" | grep -q "$3"' _ "$out" "$errout" "$PWC"
done
run --password-file "$T/wrong.txt" -p "$Q" -v cert import --trust C,, "$ROOT"
check "wrong password: exit 1" [ "$rc" -eq 1 ]
check "wrong password: neither password printed" sh -c '! printf "%s\n%s\n" "$1" "$2" | grep -q "$3"' _ "$out" "$errout" "$PWC"
if command -v strace >/dev/null; then
	strace -f -qq -s 256 -e trace=execve -o "$T/execve" "$MOZCERT" --password-file "$T/pw.txt" -p "$Q" \
		cert import --trust P,, "$LEAF" >/dev/null 2>&1
	check "strace: mozcert ran" [ -s "$T/execve" ]
	check "strace: no child process is started" [ "$(grep -c 'execve(' "$T/execve")" -eq 1 ]
	check "strace: the password is in no argv" sh -c '! grep -q "$1" "$2"' _ "$PWC" "$T/execve"
else
	for d in "strace: mozcert ran" "strace: no child process is started" "strace: the password is in no argv"; do
		skip "$d" "strace is not installed"
	done
fi
# The memory of the process as it exits (a core dump): the password must be gone.
# The same dump taken while the password is in use must hold it, so the check can fail.
# (Not under ASan: a core of its shadow memory is terabytes of mappings.)
if command -v gdb >/dev/null && [ -z "${MOZCERT_VALGRIND:-}" ] && ! ldd "$MOZCERT" 2>/dev/null | grep -q libasan; then
	core_at() { # core_at BREAKPOINT OUT ARGS...: dump the process's memory at BREAKPOINT
		bp=$1 o=$2
		shift 2
		rm -f "$o"
		gdb -q -batch -nx -ex 'set breakpoint pending on' -ex "break $bp" -ex run -ex "gcore $o" -ex kill \
			--args "$MOZCERT" "$@" >"$T/gdb.log" 2>&1
		[ -s "$o" ]
	}
	if core_at certdb_close "$T/core.during" --password-file "$T/pw.txt" -p "$Q" cert trust root C,,; then
		check "core while the store is open holds the password (the check can fail)" grep -qa "$PWC" "$T/core.during"
		core_at exit "$T/core.exit" --password-file "$T/pw.txt" -p "$Q" cert trust root C,,
		check "core at exit: dumped" [ -s "$T/core.exit" ]
		check "core at exit: the password was wiped" sh -c '! grep -qa "$1" "$2"' _ "$PWC" "$T/core.exit"
		core_at exit "$T/core.wrong" --password-file "$T/wrong.txt" -p "$Q" cert trust root P,,
		check "core at exit after a wrong password: wiped too" sh -c '! grep -qa "Wrong-$1" "$2"' _ "$PWC" "$T/core.wrong"
	else
		why="gdb could not dump a core here: $(tail -1 "$T/gdb.log" | tr -d '#')"
		for d in "core while the store is open holds the password" "core at exit: dumped" \
			"core at exit: the password was wiped" "core at exit after a wrong password: wiped too"; do
			skip "$d" "$why"
		done
	fi
	rm -f "$T"/core.*
else
	for d in "core while the store is open holds the password" "core at exit: dumped" \
		"core at exit: the password was wiped" "core at exit after a wrong password: wiped too"; do
		skip "$d" "gdb missing, or mozcert runs under valgrind or ASan"
	done
fi

done_testing
