#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t58-messages.sh: messages name the user's files (the profile, P/cert9.db, P/key4.db), never
# mozcert's working copies (staging, repair and read-only copies). Every script's done_testing
# also sweeps all it ran (lib.sh); here each such message is provoked on purpose, once with
# staging on /dev/shm as outside the tests.
. "$(dirname "$0")/lib.sh"

# names_profile DESC WHAT: stderr (or stdout) of the last run names WHAT and no private copy
names() {
	d=$1; want=$2
	all=$(printf '%s\n%s\n' "$out" "$errout")
	if printf '%s\n' "$all" | grep -qF -- "$want" && ! printf '%s\n' "$all" | grep -qE 'mozcert-(stage|repair|ro)-[0-9]+-|/dev/shm/'; then
		ok "$d"
	else
		not_ok "$d (wanted '$want' in: $all)"
	fi
}

P=$T/p
new_profile "$P"
certutil -A -d "sql:$P" -n root -t C,, -a -i "$FIX/certs/root.pem"

# a missing nickname, in a staged write (was "no certificate 'x' in '/dev/shm/mozcert-stage-…'")
expect_rc "cert trust of a missing nickname -> exit 1" 1 -p "$P" cert trust no-such-cert C,,
names "cert trust: the message names the profile" "no certificate 'no-such-cert' in '$P'"
expect_rc "cert trust --json of a missing nickname -> exit 1" 1 --json -p "$P" cert trust no-such-cert C,,
names "cert trust --json: the JSON error names the profile" "in '$P'"
expect_rc "cert show of a missing nickname -> exit 1" 1 -p "$P" cert show no-such-cert
names "cert show: the message names the profile" "in '$P'"

# a wrong Primary Password (was "wrong Primary Password for '/dev/shm/…/key4.db'")
W=$T/pw
mkdir -p "$W"
printf 'right\n' >"$T/right"; printf 'wrong\n' >"$T/wrong"
certutil -N -d "sql:$W" -f "$T/right" >/dev/null
certutil -A -d "sql:$W" -n root -t C,, -a -i "$FIX/certs/root.pem" -f "$T/right"
expect_rc "cert trust with a wrong password -> exit 1" 1 --password-file "$T/wrong" -p "$W" cert trust root CT,C,C
names "wrong password: the message names P/key4.db" "wrong Primary Password for '$W/key4.db'"
expect_rc "cert trust without the password -> exit 1" 1 -p "$W" cert trust root CT,C,C
names "no password: the message names the profile" "'$W'"
expect_rc "cert import with a wrong password -> exit 1" 1 --password-file "$T/wrong" -p "$W" cert import "$FIX/certs/intermediate.pem"
names "import, wrong password: names P/key4.db" "'$W/key4.db'"
expect_rc "db reset with a wrong password -> exit 1" 1 --password-file "$T/wrong" -p "$W" db reset --keep-user-certs
names "db reset, wrong password: names the profile" "'$W"

# a bad input file: the user's file is named, nothing else
printf 'not a certificate\n' >"$T/bad.pem"
expect_rc "cert import of a bad file -> exit 1" 1 -p "$P" cert import "$T/bad.pem"
names "bad input: the message names the input file" "$T/bad.pem"

# a damaged store (was "cannot open the certificate store '/tmp/mozcert-repair-…/cert9.db'")
D=$T/d
cp -r "$P" "$D"
head -c 100 /dev/urandom | dd of="$D/cert9.db" conv=notrunc 2>/dev/null
expect_rc "cert list of a damaged store -> exit 1" 1 -p "$D" cert list
names "cert list, damaged: names P/cert9.db" "'$D/cert9.db'"
expect_rc "cert import into a damaged store -> exit 1" 1 -p "$D" cert import "$FIX/certs/intermediate.pem"
names "cert import, damaged: names P/cert9.db" "'$D/cert9.db'"
expect_rc "db repair of a damaged store" 0 -p "$D" db repair
names "db repair: what NSS could not read names P/cert9.db" "cannot open the certificate store '$D/cert9.db'"
expect_rc "cert list after the repair" 0 -p "$D" cert list

# the same with staging on /dev/shm, as outside the tests
if [ -w /dev/shm ]; then
	for args in "-p $P cert trust no-such-cert C,," "--password-file $T/wrong -p $W cert trust root CT,C,C"; do
		# shellcheck disable=SC2086
		(unset MOZCERT_STAGE_DIR; run $args; printf '%s\n%s\n' "$out" "$errout" >"$T/shm.out")
		if grep -q "'$P'\|'$W/key4.db'" "$T/shm.out" && ! grep -qE 'mozcert-stage-[0-9]+-|/dev/shm/' "$T/shm.out"; then
			ok "staging in /dev/shm: '$args' names the user's files"
		else
			not_ok "staging in /dev/shm: '$args': $(cat "$T/shm.out")"
		fi
	done
else
	ok "staging in /dev/shm # SKIP /dev/shm is not writable"
fi

# a full staging area: the message names the profile's file, and where the working copy was
if [ -n "${IOFAULT_SO:-}" ] && [ -f "$IOFAULT_SO" ] && [ -z "${MOZCERT_VALGRIND:-}" ]; then
	mkdir -p "$T/st"
	snap=$(sum_dir "$P")
	for k in 1 5; do
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		MOZCERT_STAGE_DIR=$T/st IOFAULT_OP=write IOFAULT_N=$k IOFAULT_ERRNO=ENOSPC IOFAULT_PATH_PREFIX=$T/st \
			LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$P" cert import "$FIX/certs/intermediate.pem" >"$T/full.out" 2>&1
		rc=$?
		cat "$T/full.out" >>"$T/messages"
		check "staging area full (write #$k): exit 1, profile unchanged" sh -c '[ "$1" -eq 1 ] && [ "$2" = "$3" ]' _ "$rc" "$snap" "$(sum_dir "$P")"
		check "staging area full (write #$k): names P/cert9.db, the errno, and where the copy was ($(cat "$T/full.out"))" \
			sh -c 'grep -q "'"'"'$1/cert9.db[^'"'"']*'"'"': No space left on device" "$3" && grep -qF "(in mozcert'"'"'s working copy, under '"'"'$2'"'"')" "$3"' _ "$P" "$T/st" "$T/full.out"
	done
else
	ok "staging area full # SKIP the fault-injection shim was not built (IOFAULT_SO), or under valgrind"
fi

done_testing
