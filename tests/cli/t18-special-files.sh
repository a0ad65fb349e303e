#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t18-special-files.sh: a FIFO (or a device) where mozcert expects a file never
# hangs it: each command is refused at once with an error that names the file,
# the profile is left as it was, and the profile lock is not kept.
. "$(dirname "$0")/lib.sh"

LIMIT=10
# bounded ARGS...: run mozcert with a time limit; rc 124 when it hung.
bounded() {
	timeout -s KILL $LIMIT "$MOZCERT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	errout=$(cat "$T/err")
	out=$(cat "$T/out")
}
fifo_case() { # fifo_case DESC FILE ARGS...: FILE (in profile $P) is a FIFO
	d=$1; f=$2; shift 2
	rm -rf "$P"; cp -r "$T/base" "$P"; rm -f "$P/$f"; mkfifo "$P/$f"
	snap=$(sum_dir "$P" 2>/dev/null)
	bounded -p "$P" "$@"
	if [ "$rc" -eq 137 ]; then
		not_ok "$d: FIFO at $f hangs (killed after $LIMIT s)"
		return
	fi
	check "$d: FIFO at $f is refused (exit $rc)" [ "$rc" -ne 0 ]
	check "$d: the message names $f" sh -c 'printf "%s\n" "$1" | grep -q "$2"' _ "$out$errout" "$f"
	check "$d: the profile lock is free afterwards" sh -c '! "$1" -p "$2" pref set t18.x 1 2>&1 | grep -q "in use"' _ "$MOZCERT" "$P"
}

new_profile "$T/base"
certutil -A -d "sql:$T/base" -n root -t C,, -a -i "$FIX/certs/root.pem"
printf 'user_pref("a.b", 1);\n' >"$T/base/prefs.js"
P=$T/p

fifo_case "pref set" prefs.js pref set security.OCSP.enabled 0
fifo_case "pref list" prefs.js pref list
fifo_case "ocsp off" user.js ocsp off --user-js
fifo_case "pref get" user.js pref get a.b
fifo_case "override list" cert_override.txt override list
fifo_case "override add" cert_override.txt override add x.example:443 --cert "$FIX/certs/leaf.pem"
fifo_case "cert import" .mozcert-journal cert import "$FIX/certs/intermediate.pem"
fifo_case "cert list" .mozcert-journal cert list
fifo_case "cert list" cert9.db cert list
fifo_case "db check" key4.db db check

# --password-file naming a FIFO: a usage error at once, the FIFO never read.
rm -rf "$P"; cp -r "$T/base" "$P"; mkfifo "$T/pw.fifo"
bounded -p "$P" --password-file "$T/pw.fifo" cert list
check "--password-file FIFO: refused, not hung (exit $rc)" [ "$rc" -ne 137 ] && [ "$rc" -ne 0 ]
check "--password-file FIFO: the message says it is not a regular file" \
	sh -c 'printf "%s\n" "$1" | grep -q "not a regular file"' _ "$errout"
# A device: /dev/zero as the input of cert import is refused, not read forever.
bounded -p "$P" cert import /dev/zero
check "cert import /dev/zero: refused at once (exit $rc)" [ "$rc" -ne 137 ] && [ "$rc" -ne 0 ]
done_testing
