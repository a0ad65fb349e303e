#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t56-verify.sh: verify, why the application would reject a server certificate, with the fix it prints run
# and checked; certutil and the browser's own NSS set up the stores.
. "$(dirname "$0")/lib.sh"

C=$FIX/certs
fixtures_before=$(sum_dir "$C")
cat "$C/leaf.pem" "$C/intermediate.pem" >"$T/chain.pem"
# jv PYEXPR: assert on the last --json output; r = the result, codes = its problem codes
jv() {
	printf '%s\n' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); r=d['results'][0]
codes = [p['code'] for p in r.get('problems', [])]
sys.exit(0 if ($1) else 1)"
}
# run_fix CODE: run the fix printed for problem CODE with the built binary (a trailing comment is kept)
run_fix() {
	f=$(printf '%s\n' "$out" | python3 -c "import json,sys
for p in json.load(sys.stdin)['results'][0]['problems']:
    if p['code'] == sys.argv[1] and p['fix']: print(p['fix']); break" "$1")
	case $f in "mozcert "*) ;; *) echo "# no mozcert fix for $1: $f"; return 1 ;; esac
	eval "\"\$MOZCERT\" ${f#mozcert }" >/dev/null 2>&1
}

new_profile "$T/p"
snap=$(sum_dir "$T/p")
# ---- nothing in the store: the server's issuer is unknown ----
expect_rc "leaf alone, empty store -> rejected, exit 1" 1 --json -p "$T/p" verify "$C/leaf.pem" --name leaf.mozcert.test
check "SEC_ERROR_UNKNOWN_ISSUER, the missing issuer named, fix imports it" jv \
	"r['verdict'] == 'rejected' and codes == ['SEC_ERROR_UNKNOWN_ISSUER'] and r['missing_issuer'].startswith('CN=mozcert Test Intermediate CA') and ' cert import ' in r['problems'][0]['fix'] and d['changed'] is False"
check "verify writes nothing" [ "$(sum_dir "$T/p")" = "$snap" ]
run -p "$T/p" verify "$C/leaf.pem"
check "text: the error code, the fix and the verdict" sh -c 'printf "%s\n" "$1" | grep -q "^error *SEC_ERROR_UNKNOWN_ISSUER" &&
	printf "%s\n" "$1" | grep -q "^ *fix: mozcert -p .* cert import" && printf "%s\n" "$1" | grep -q "^rejected"' _ "$out"

# ---- the root in the store without trust: the chain ends at an untrusted root ----
certutil -A -d "sql:$T/p" -n root -t ,, -a -i "$C/root.pem"
expect_rc "chain sent, root present but not trusted -> exit 1" 1 --json -p "$T/p" verify "$T/chain.pem" --name leaf.mozcert.test
check "SEC_ERROR_UNKNOWN_ISSUER at the root (certificate 2), fix: cert trust C,," jv \
	"codes == ['SEC_ERROR_UNKNOWN_ISSUER'] and r['problems'][0]['certificate'] == 2 and ' cert trust ' in r['problems'][0]['fix'] and ' C,,' in r['problems'][0]['fix'] and r['missing_issuer'] is None and [c['source'] for c in r['chain']] == ['file', 'file', 'store']"
check "the printed fix runs" run_fix SEC_ERROR_UNKNOWN_ISSUER
check "certutil sees the root at C,," [ "$(trust_of "$T/p" root)" = "C,," ]
expect_rc "after the fix -> accepted, exit 0" 0 --json -p "$T/p" verify "$T/chain.pem" --name leaf.mozcert.test
check "accepted: 3 links, the root is the anchor, no problem" jv \
	"r['verdict'] == 'accepted' and r['trusted'] and codes == [] and [c['anchor'] for c in r['chain']] == [False, False, True] and r['chain'][2]['trust'] == 'C,,'"
expect_rc "a subjectAltName other than the first -> accepted" 0 -p "$T/p" verify "$T/chain.pem" --name WWW.mozcert.test

# ---- the server sends its certificate alone: the intermediate must be imported ----
expect_rc "leaf alone, root trusted -> rejected" 1 --json -p "$T/p" verify "$C/leaf.pem" --name leaf.mozcert.test
check "the missing intermediate is named" jv "codes == ['SEC_ERROR_UNKNOWN_ISSUER'] and 'Intermediate' in r['missing_issuer']"
expect_rc "cert import of the intermediate" 0 -p "$T/p" cert import "$C/intermediate.pem"
expect_rc "then the leaf alone -> accepted through the store's intermediate" 0 --json -p "$T/p" verify "$C/leaf.pem" --name leaf.mozcert.test
check "chain: file, store, store" jv "r['verdict'] == 'accepted' and [c['source'] for c in r['chain']] == ['file', 'store', 'store']"

# ---- a name the certificate does not carry: a security exception fixes it ----
expect_rc "wrong name -> rejected" 1 --json -p "$T/p" verify "$T/chain.pem" --name other.example --port 8443
check "SSL_ERROR_BAD_CERT_DOMAIN, overridable, fix: override add other.example:8443" jv \
	"codes == ['SSL_ERROR_BAD_CERT_DOMAIN'] and r['problems'][0]['overridable'] and \" override add 'other.example:8443' --cert \" in r['problems'][0]['fix']"
check "the printed fix runs" run_fix SSL_ERROR_BAD_CERT_DOMAIN
expect_rc "with the exception -> accepted, exit 0" 0 --json -p "$T/p" verify "$T/chain.pem" --name other.example --port 8443
check "accepted-by-exception, naming the line of cert_override.txt" jv \
	"r['verdict'] == 'accepted-by-exception' and r['exception_line'] == 3 and codes == ['SSL_ERROR_BAD_CERT_DOMAIN']"
expect_rc "the operand between options" 0 -p "$T/p" verify --name other.example "$T/chain.pem" --port 8443
expect_rc "an IPv6 address: the fix brackets it" 1 --json -p "$T/p" verify "$T/chain.pem" --name ::1
check "override add '[::1]:443'" jv "\" override add '[::1]:443' --cert \" in r['problems'][0]['fix']"
expect_rc "the exception is for port 8443 only" 1 -p "$T/p" verify "$T/chain.pem" --name other.example

# ---- distrust ----
certutil -M -d "sql:$T/p" -n "$(certutil -L -d "sql:$T/p" | awk '/Intermediate/ { sub(/ +[^ ]*,[^ ]*,[^ ]* *$/, ""); print; exit }')" -t p,p,p
expect_rc "distrusted intermediate -> rejected" 1 --json -p "$T/p" verify "$C/leaf.pem" --name leaf.mozcert.test
check "SEC_ERROR_UNTRUSTED_ISSUER at certificate 1 (not overridable), fix lifts the distrust" jv \
	"codes == ['SEC_ERROR_UNTRUSTED_ISSUER'] and not r['problems'][0]['overridable'] and r['problems'][0]['certificate'] == 1 and r['problems'][0]['fix'].split('#')[0].rstrip().endswith(' ,,')"
check "the printed fix runs" run_fix SEC_ERROR_UNTRUSTED_ISSUER
expect_rc "after the fix -> accepted" 0 -p "$T/p" verify "$C/leaf.pem" --name leaf.mozcert.test

# ---- a CA certificate sent as the server's ----
expect_rc "the intermediate as a server certificate -> rejected" 1 --json -p "$T/p" verify "$C/intermediate.pem" --name leaf.mozcert.test
check "SEC_ERROR_INADEQUATE_KEY_USAGE (its key usage, keyCertSign only, comes first in pkix's order)" jv \
	"codes[0] == 'SEC_ERROR_INADEQUATE_KEY_USAGE' and not r['problems'][0]['overridable']"
printf 'basicConstraints=critical,CA:true\nsubjectAltName=DNS:leaf.mozcert.test\n' >"$T/caleaf.ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/caleaf.key" -subj "/CN=leaf.mozcert.test" 2>/dev/null |
	openssl x509 -req -CA "$C/intermediate.pem" -CAkey "$C/intermediate.key" -CAcreateserial -CAserial "$T/ca.srl" \
		-days 30 -extfile "$T/caleaf.ext" -out "$T/caleaf.pem" 2>/dev/null
cat "$T/caleaf.pem" "$C/intermediate.pem" >"$T/caleaf-chain.pem"
expect_rc "a CA certificate (no key usage) sent as the server's -> rejected" 1 --json -p "$T/p" verify "$T/caleaf-chain.pem" --name leaf.mozcert.test
check "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY (overridable) with a trusted chain" jv \
	"codes == ['MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY'] and r['problems'][0]['overridable'] and r['trusted']"

# ---- a self-signed server certificate, and an expired one ----
new_profile "$T/gen"
head -c 64 /dev/urandom >"$T/noise"
certutil -S -d "sql:$T/gen" -n self -s CN=self.example -x -t ,, -v 12 -z "$T/noise" -8 self.example >/dev/null 2>&1
certutil -L -d "sql:$T/gen" -n self -a >"$T/self.pem"
certutil -S -d "sql:$T/gen" -n old -s CN=old.example -x -t ,, -w -24 -v 12 -z "$T/noise" -8 old.example >/dev/null 2>&1
certutil -L -d "sql:$T/gen" -n old -a >"$T/old.pem"
expect_rc "self-signed -> rejected" 1 --json -p "$T/p" verify "$T/self.pem" --name self.example
check "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT, fix: override add self.example:443" jv \
	"codes == ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT'] and \" override add 'self.example:443' --cert \" in r['problems'][0]['fix']"
check "the printed fix runs" run_fix MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT
expect_rc "with the exception -> accepted" 0 --json -p "$T/p" verify "$T/self.pem" --name self.example
check "accepted-by-exception" jv "r['verdict'] == 'accepted-by-exception'"
expect_rc "expired and self-signed -> rejected" 1 --json -p "$T/p" verify "$T/old.pem" --name old.example
check "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT first (what Firefox reports), then SEC_ERROR_EXPIRED_CERTIFICATE" jv \
	"codes == ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', 'SEC_ERROR_EXPIRED_CERTIFICATE'] and [p['primary'] for p in r['problems']] == [True, False] and all(p['overridable'] for p in r['problems'])"
certutil -A -d "sql:$T/p" -n selfpeer -t P,, -a -i "$T/self.pem"
expect_rc "a server certificate trusted as a peer (P,,) is no trust anchor in Firefox -> rejected" 1 --json -p "$T/p" verify "$T/self.pem" --name self.example --port 444
check "still MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT, no anchor" jv "codes == ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT'] and not r['chain'][0]['anchor'] and not r['trusted']"

# ---- what mozilla::pkix checks besides trust (each judged by Firefox 153 the same way) ----
(
	cd "$T" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout r1.key -subj "/O=mozcert test/CN=R1 untrusted" \
		-days 30 -addext "basicConstraints=critical,CA:TRUE" -out r1.pem
	printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
	# the intermediate's name and key, signed by an untrusted root: a path that fails before the right one
	openssl req -new -key "$C/intermediate.key" -subj "/C=XX/O=mozcert test/CN=mozcert Test Intermediate CA" |
		openssl x509 -req -CA r1.pem -CAkey r1.key -CAcreateserial -CAserial ca.srl -days 30 -extfile ca.ext -out cross.pem
	printf 'basicConstraints=critical,CA:false\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:leaf.mozcert.test\n' >client.ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout c.key -subj "/CN=leaf.mozcert.test" |
		openssl x509 -req -CA "$C/intermediate.pem" -CAkey "$C/intermediate.key" -CAcreateserial -CAserial ca.srl -days 30 -extfile client.ext -out client.pem
	printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign\n' >sub.ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout sub.key -subj "/CN=sub CA" |
		openssl x509 -req -CA "$C/intermediate.pem" -CAkey "$C/intermediate.key" -CAcreateserial -CAserial ca.srl -days 30 -extfile sub.ext -out sub.pem
	printf 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:leaf.mozcert.test\n' >l2.ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout l2.key -subj "/CN=leaf.mozcert.test" |
		openssl x509 -req -CA sub.pem -CAkey sub.key -CAcreateserial -CAserial ca.srl -days 30 -extfile l2.ext -out l2.pem
	cat "$C/leaf.pem" cross.pem >xchain.pem
	cat l2.pem sub.pem >subchain.pem
) >/dev/null 2>&1
expect_rc "the server sends a cross-signed intermediate that leads nowhere; the store's leads to the root -> accepted" \
	0 --json -p "$T/p" verify "$T/xchain.pem" --name leaf.mozcert.test
check "the path found goes through the store's intermediate" jv "[c['source'] for c in r['chain']] == ['file', 'store', 'store'] and r['trusted']"
expect_rc "extendedKeyUsage clientAuth only -> rejected" 1 --json -p "$T/p" verify "$T/client.pem" --name leaf.mozcert.test
check "SEC_ERROR_INADEQUATE_CERT_TYPE, not overridable, no fix" jv \
	"codes == ['SEC_ERROR_INADEQUATE_CERT_TYPE'] and not r['problems'][0]['overridable'] and r['problems'][0]['fix'] is None"
expect_rc "a CA below the intermediate's pathlen:0 -> rejected" 1 --json -p "$T/p" verify "$T/subchain.pem" --name leaf.mozcert.test
check "SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID" jv "codes == ['SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID'] and r['problems'][0]['fix'] is None"

# ---- more of what Firefox 153 checks (each verdict measured against the browser with the same certificates) ----
# mkleaf NAME EXTS [CA CAKEY] [ARGS]: a certificate for leaf.mozcert.test, chain NAME-chain.pem (with its issuer)
mkleaf() {
	printf "$2" >"$T/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -subj "/CN=leaf.mozcert.test" 2>/dev/null |
		openssl x509 -req -CA "${3:-$C/intermediate.pem}" -CAkey "${4:-$C/intermediate.key}" -CAcreateserial -CAserial "$T/ca.srl" \
			-days 30 -extfile "$T/$1.ext" ${5:-} -out "$T/$1.pem" 2>/dev/null
	cat "$T/$1.pem" "${3:-$C/intermediate.pem}" >"$T/$1-chain.pem"
}
new_profile "$T/q"
certutil -A -d "sql:$T/q" -n root -t C,, -a -i "$C/root.pem"
mkleaf cnonly 'basicConstraints=critical,CA:false\n'
expect_rc "the name only in the subject CN (no subjectAltName) -> rejected" 1 --json -p "$T/q" verify "$T/cnonly-chain.pem" --name leaf.mozcert.test
check "SSL_ERROR_BAD_CERT_DOMAIN: the CN is not a name" jv "codes == ['SSL_ERROR_BAD_CERT_DOMAIN'] and r['trusted']"
mkleaf partial 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:le*.mozcert.test\n'
expect_rc "a partial wildcard (le*.mozcert.test) -> rejected" 1 --json -p "$T/q" verify "$T/partial-chain.pem" --name leaf.mozcert.test
check "SSL_ERROR_BAD_CERT_DOMAIN" jv "codes == ['SSL_ERROR_BAD_CERT_DOMAIN']"
mkleaf wild 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:*.mozcert.test,IP:127.0.0.1\n'
expect_rc "*.mozcert.test -> accepted" 0 -p "$T/q" verify "$T/wild-chain.pem" --name leaf.mozcert.test
expect_rc "*.mozcert.test does not cover a.b.mozcert.test" 1 -p "$T/q" verify "$T/wild-chain.pem" --name a.b.mozcert.test
expect_rc "an iPAddress entry -> accepted for 127.0.0.1" 0 -p "$T/q" verify "$T/wild-chain.pem" --name 127.0.0.1
mkleaf sha1 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:leaf.mozcert.test\n' "" "" -sha1
expect_rc "a SHA-1 signature -> rejected" 1 --json -p "$T/q" verify "$T/sha1-chain.pem" --name leaf.mozcert.test
check "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED, overridable" jv \
	"codes == ['SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED'] and r['problems'][0]['overridable']"
mkleaf crit 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:leaf.mozcert.test\n1.2.3.4=critical,ASN1:UTF8String:x\n'
expect_rc "an unknown critical extension -> rejected" 1 --json -p "$T/q" verify "$T/crit-chain.pem" --name leaf.mozcert.test
check "SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION, not overridable" jv \
	"codes == ['SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION'] and not r['problems'][0]['overridable']"
printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign\nnameConstraints=critical,permitted;DNS:example.com\n' >"$T/nc.ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/nc.key" -subj "/CN=name-constrained CA" 2>/dev/null |
	openssl x509 -req -CA "$C/root.pem" -CAkey "$C/root.key" -CAcreateserial -CAserial "$T/ca.srl" -days 30 \
		-extfile "$T/nc.ext" -out "$T/ncint.pem" 2>/dev/null
mkleaf ncleaf 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:leaf.mozcert.test\n' "$T/ncint.pem" "$T/nc.key"
expect_rc "an issuer permitted example.com only -> rejected" 1 --json -p "$T/q" verify "$T/ncleaf-chain.pem" --name leaf.mozcert.test
check "SEC_ERROR_CERT_NOT_IN_NAME_SPACE, not overridable" jv \
	"codes == ['SEC_ERROR_CERT_NOT_IN_NAME_SPACE'] and not r['problems'][0]['overridable']"
certutil -A -d "sql:$T/q" -n self -t C,, -a -i "$T/self.pem"
expect_rc "a self-signed server certificate imported C,, -> accepted (Firefox anchors it)" 0 --json -p "$T/q" verify "$T/self.pem" --name self.example
check "the server certificate is the anchor" jv "r['chain'][0]['anchor'] and len(r['chain']) == 1"

# ---- trust written by the application's NSS (PKCS#11 3.2), which the system NSS cannot see ----
if have_firefox_nss; then
	new_profile "$T/v32"
	certutil -A -d "sql:$T/v32" -n root -t ,, -a -i "$C/root.pem"
	LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -M -d "sql:$T/v32" -n root -t C,,
	check "the system certutil still sees ,, (the premise)" [ "$(trust_of "$T/v32" root)" = ",," ]
	expect_rc "trust set by NSS 3.125 -> accepted, as the browser would" 0 --json -p "$T/v32" verify "$T/chain.pem" --name leaf.mozcert.test
	check "the anchor's trust is C,," jv "r['chain'][2]['trust'] == 'C,,' and r['chain'][2]['anchor']"
	LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -M -d "sql:$T/v32" -n root -t p,p,p
	expect_rc "distrust set by NSS 3.125 -> rejected" 1 --json -p "$T/v32" verify "$T/chain.pem" --name leaf.mozcert.test
	check "SEC_ERROR_UNTRUSTED_ISSUER" jv "'SEC_ERROR_UNTRUSTED_ISSUER' in codes"
else
	for d in "the system certutil still sees ,, (the premise)" "trust set by NSS 3.125 -> accepted, as the browser would" \
		"the anchor's trust is C,," "distrust set by NSS 3.125 -> rejected" "SEC_ERROR_UNTRUSTED_ISSUER"; do
		skip "$d" "firefox-esr (its bundled NSS) is not installed"
	done
fi

# ---- a legacy-only store: read by Firefox 60 (which converts it), not by Firefox 73 and later ----
mkdir -p "$T/leg"
certutil -N -d "dbm:$T/leg" --empty-password
certutil -A -d "dbm:$T/leg" -n root -t C,, -a -i "$C/root.pem"
expect_rc "cert8.db with the root C,, and no version -> rejected (today's applications do not read it)" 1 --json -p "$T/leg" verify "$T/chain.pem" --name leaf.mozcert.test
check "legacy_store_unread, the root not found" jv "r['legacy_store_unread'] is True and codes == ['SEC_ERROR_UNKNOWN_ISSUER']"
run -p "$T/leg" verify "$T/chain.pem"
check "text: the note gives db upgrade" sh -c 'printf "%s\n" "$1" | grep -q "fix: mozcert -p .* db upgrade"' _ "$out"
printf '[Compatibility]\nLastVersion=60.9.0_20200101000000/20200101000000\n' >"$T/leg/compatibility.ini"
expect_rc "the same for Firefox 60 -> accepted" 0 --json -p "$T/leg" verify "$T/chain.pem" --name leaf.mozcert.test
check "the legacy store's root is the anchor" jv "r['legacy_store_unread'] is False and r['chain'][2]['source'] == 'store' and r['chain'][2]['anchor']"

# ---- both stores: Firefox 57 reads cert8.db, 58 and later cert9.db ----
mkdir -p "$T/both"
certutil -N -d "sql:$T/both" --empty-password
certutil -N -d "dbm:$T/both" --empty-password
certutil -A -d "dbm:$T/both" -n root -t C,, -a -i "$C/root.pem"
printf '[Compatibility]\nLastVersion=57.0_20180101000000/20180101000000\n' >"$T/both/compatibility.ini"
expect_rc "cert8.db and cert9.db, Firefox 57: the root of cert8.db counts -> accepted" 0 -p "$T/both" verify "$T/chain.pem" --name leaf.mozcert.test
printf '[Compatibility]\nLastVersion=58.0_20180101000000/20180101000000\n' >"$T/both/compatibility.ini"
expect_rc "the same for Firefox 58: cert9.db, without the root -> rejected" 1 -p "$T/both" verify "$T/chain.pem" --name leaf.mozcert.test

# ---- bad input ----
expect_rc "a file that is not a certificate -> exit 1" 1 -p "$T/p" verify "$C/bad-junk.bin"
check "the error names the file" sh -c 'printf "%s\n" "$1" | grep -q "bad-junk.bin"' _ "$errout"
expect_rc "a missing file -> exit 1" 1 -p "$T/p" verify "$T/nonexistent.pem"
expect_rc "HOST:PORT is a server to fetch from (t57-live): a name that does not resolve -> exit 1" 1 -p "$T/p" verify no-such-host.invalid:443
check "the error says the name does not resolve" sh -c 'printf "%s\n" "$1" | grep -q "cannot resolve .no-such-host.invalid."' _ "$errout"
expect_rc "no operand -> exit 2" 2 -p "$T/p" verify
expect_rc "--port 0 -> exit 2" 2 -p "$T/p" verify "$C/leaf.pem" --port 0
expect_rc "--roots naming no module -> exit 1" 1 -p "$T/p" verify "$T/chain.pem" --roots "$T/nonexistent.so"
check "the error names the module" sh -c 'printf "%s\n" "$1" | grep -q "nonexistent.so"' _ "$errout"
expect_rc "--roots none" 0 --json -p "$T/p" verify "$T/chain.pem" --roots none --name leaf.mozcert.test
check "roots_module null" jv "r['roots_module'] is None"
if ls /usr/lib/*/libnssckbi.so >/dev/null 2>&1; then
	run --json -p "$T/p" verify "$T/chain.pem"
	check "the system's built-in roots are loaded by default" jv "r['roots_module'].endswith('libnssckbi.so')"
fi
check "the fixtures of the source tree are untouched (openssl writes serial files beside a CA unless told)" \
	[ "$(sum_dir "$C")" = "$fixtures_before" ]
done_testing
