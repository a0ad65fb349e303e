#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t11-cert-trust-newer-nss.sh: trust written by the application's NSS (3.114+,
# PKCS#11 3.2 CKO_TRUST objects) is what mozcert lists, and what mozcert sets
# is what the application's NSS then sees. Oracle: certutil run on Firefox
# ESR's bundled libraries.
. "$(dirname "$0")/lib.sh"

if ! have_firefox_nss; then
	echo "1..0 # SKIP firefox-esr (its bundled NSS) is not installed"
	exit 0
fi
ffcertutil() { LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil "$@"; }

P=$T/profile
new_profile "$P"
ffcertutil -A -d "sql:$P" -n corp -t C,, -i "$FIX/certs/root.pem"
check "precondition: the browser's NSS sees C,," [ "$(trust_of "$P" corp 1)" = "C,," ]
check "precondition: the system NSS 3.87 alone sees ,," [ "$(trust_of "$P" corp 0)" = ",," ]

expect_rc "cert list" 0 -p "$P" --json cert list
check "mozcert lists the trust the browser uses (C,,)" sh -c 'printf "%s\n" "$1" | python3 -c "import json,sys; c=json.load(sys.stdin)[\"results\"][0][\"certificates\"][0]; assert c[\"trust\"]==\"C,,\" and c[\"trust_source\"]==\"pkcs11-v3.2\", c"' _ "$out"

expect_rc "import with the same trust is unchanged" 0 -p "$P" cert import --trust C,, "$FIX/certs/root.pem"
check "unchanged reported" sh -c 'printf "%s\n" "$1" | grep -q "0 changed, 1 unchanged"' _ "$out"

expect_rc "cert trust CT,C,C" 0 -p "$P" cert trust corp CT,C,C
check "the browser's NSS now sees CT,C,C" [ "$(trust_of "$P" corp 1)" = "CT,C,C" ]
check "the system NSS sees CT,C,C" [ "$(trust_of "$P" corp 0)" = "CT,C,C" ]
check "no CKO_TRUST object is left" [ "$(sqlite3 "file:$P/cert9.db?mode=ro" "select count(*) from nssPublic where a0 = x'0000000B'")" = 0 ]

# The browser changes trust again (writes a new CKO_TRUST beside the old form): mozcert follows it.
ffcertutil -M -d "sql:$P" -n corp -t ",,"
check "precondition: browser sees ,, while the old form still says CT,C,C" [ "$(trust_of "$P" corp 1),$(trust_of "$P" corp 0)" = ",,,CT,C,C" ]
expect_rc "cert list after the browser's change" 0 -p "$P" cert list
check "mozcert reports ,, (the browser's view)" sh -c 'printf "%s\n" "$1" | grep -q "^,,  "' _ "$out"
expect_rc "cert trust P,, on a browser-written trust" 0 -p "$P" cert trust corp P,,
check "browser's NSS sees P,," [ "$(trust_of "$P" corp 1)" = "P,," ]

ffcertutil -M -d "sql:$P" -n corp -t "C,,"
expect_rc "cert remove of a browser-trusted root" 0 -p "$P" cert remove corp
check "the browser's NSS no longer lists it" [ -z "$(trust_of "$P" corp 1)" ]
check "no trust object of either form is left" [ "$(sqlite3 "file:$P/cert9.db?mode=ro" "select count(*) from nssPublic")" = 0 ]

done_testing
