#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t40-override.sh: override list/add/remove/prune on every era of cert_override.txt.
. "$(dirname "$0")/lib.sh"

OID=OID.2.16.840.1.101.3.4.2.1
H1='# PSM Certificate Override Settings file'
H2='# This is a generated file!  Do not edit.'
EXPIRED=$REAL/mozilla-tb-accountcreation-certs/expired.ca

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }
# dbkey CERT: the dbKey built independently from the DER (docs/formats.md 1.4).
dbkey() {
	openssl x509 -in "$1" -outform DER | python3 -c '
import base64, struct, sys
d = sys.stdin.buffer.read()
def tlv(b, i):
    t = b[i]; l = b[i + 1]; i += 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i:i + n], "big"); i += n
    return t, i, l          # tag, content start, content length
_, i, _ = tlv(d, 0)         # Certificate
_, i, _ = tlv(d, i)         # TBSCertificate: into it
t, c, l = tlv(d, i)
if t == 0xa0: i = c + l     # [0] version
t, c, l = tlv(d, i); serial = d[c:c + l]; i = c + l
t, c, l = tlv(d, i); i = c + l  # signature algorithm
t, c, l = tlv(d, i); issuer = d[i:c + l]
key = bytes(8) + struct.pack(">II", len(serial), len(issuer)) + serial + issuer
print(base64.b64encode(key).decode())'
}
# js EXPR: evaluate a Python expression over the JSON document in $out (d) and its first result (r).
js() {
	printf '%s\n' "$out" | python3 -c 'import json,sys
d = json.load(sys.stdin); r = d["results"][0]
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}
mkprof() { # mkprof DIR [VERSION]
	new_profile "$1"
	if [ -n "${2:-}" ]; then
		printf '[Compatibility]\nLastVersion=%s_20260101000000/20260101000000\nLastOSABI=Linux_x86_64-gcc3\n' \
			"$2" >"$1/compatibility.ini"
	fi
}
has() { printf '%s\n' "$1" | grep -q -- "$2"; }

LEAF=$FIX/certs/leaf.pem
LFP=$(fp "$LEAF")
LKEY=$(dbkey "$LEAF")
RFP=$(fp "$FIX/certs/root.pem")

# ---- list: every file of tests/fixtures/made (and of $MOZCERT_EXTRA_FIXTURES when set) ----
files=$(ls "$MADE"/*/cert_override.txt "$MADE"/*/*/cert_override.txt)
if [ -n "$EXTRA" ]; then
	files="$files $(ls "$EXTRA"/*/cert_override.txt)"
else
	skip "list: the original files: MOZCERT_EXTRA_FIXTURES not set"
fi
for f in $files; do
	d=$(dirname "$f"); name=$(basename "$d")
	case $f in "$MADE"/*/*/cert_override.txt) name=$(basename "$(dirname "$d")")-$name ;; esac
	W=$T/real-$name
	mkdir -p "$W"; cp "$d"/* "$W"/ 2>/dev/null; chmod u+w "$W"/*
	before=$(sum_dir "$W")
	want=$(grep -vc '^#' "$f")
	run --json -p "$W" override list
	check "$name: list succeeds" [ "$rc" -eq 0 ]
	check "$name: count $want" js "r['count'] == $want and r['ignored_count'] == 0"
	printf '%s\n' "$out" | python3 -c 'import json,sys
for o in json.load(sys.stdin)["results"][0]["overrides"]: print("%s:%d" % (o["host"], o["port"]))' >"$T/mine"
	grep -v '^#' "$f" | cut -f1 >"$T/theirs"
	check "$name: hosts and ports match the file" cmp -s "$T/mine" "$T/theirs"
	check "$name: every line is era A with bits" js "all(o['era'] == 'A' and o['bits'] for o in r['overrides'])"
	check "$name: listing changed nothing" [ "$(sum_dir "$W")" = "$before" ]
done
run -p "$T/real-legacy-profile" override list
check "legacy-profile: text lists 8 overrides" has "$out" '^8 overrides$'
check "legacy-profile: certificate found in the lone cert8.db, expired" has "$out" 'CN=expired.made.test.*EXPIRED.*store'
run --json -p "$T/real-legacy-profile" override list
check "legacy-profile: one fingerprint for three hosts, each found in the store" \
	js "len({o['fingerprint'] for o in r['overrides'] if '.shared.' in o['host']}) == 1 and all(o['certificate'] and o['certificate']['source'] == 'store' for o in r['overrides'] if '.shared.' in o['host'])"
check "legacy-profile: an entry whose certificate is not in the store" \
	js "[o['certificate'] for o in r['overrides'] if o['host'] == 'gone.made.test'] == [None]"
run --json -p "$T/real-sql-profile" override list
check "sql-profile: certificate found in the lone cert9.db by fingerprint" \
	js "[o['certificate']['source'] + o['certificate']['matched_by'] for o in r['overrides'] if o['host'] == 'www.bank.made.test'] == ['storefingerprint']"
check "sql-profile: validity of each, only the expired one flagged" \
	js "sorted((o['certificate']['not_after'][:10], o['certificate']['expired']) for o in r['overrides']) == [('2012-06-01', True), ('2046-01-01', False), ('2046-01-01', False)]"
if [ -n "$EXTRA" ] && [ -d "$T/real-slimfox-profile" ] && [ -d "$T/real-eventkit-testing-profile" ]; then
	run -p "$T/real-slimfox-profile" override list
	check "slimfox: text lists 8 overrides" has "$out" '^8 overrides$'
	check "slimfox: certificates found in the store, expired" has "$out" 'CN=bart.bulko.net.*EXPIRED.*store'
	run --json -p "$T/real-eventkit-testing-profile" override list
	check "eventkit: gxisaccess certificate found in the store by fingerprint" \
		js "[o['certificate']['source'] + o['certificate']['matched_by'] for o in r['overrides'] if o['host'] == 'gxisaccess.gxaccess.com'] == ['storefingerprint']"
	check "eventkit: its validity and expired flag" \
		js "[o['certificate']['not_after'][:10] for o in r['overrides'] if o['certificate']] == ['2018-08-07'] and all(o['certificate']['expired'] for o in r['overrides'] if o['certificate'])"
else
	skip "slimfox and eventkit overrides against their stores: MOZCERT_EXTRA_FIXTURES not set"
fi

# ---- list --cert: subject, validity, expired ----
P=$T/p-list
mkdir -p "$P"
EFP=$(fp "$EXPIRED")
printf '%s\n%s\nexpired.test.test:443:\t%s\t%s\t\nleaf.mozcert.test:443:\t%s\t%s\t\n' "$H1" "$H2" $OID "$EFP" $OID "$LFP" \
	>"$P/cert_override.txt"
expect_rc "list --cert (a profile without a store)" 0 --json -p "$P" override list --cert "$EXPIRED"
check "the expired certificate is matched by fingerprint" \
	js "r['overrides'][0]['certificate']['matched_by'] == 'fingerprint' and r['overrides'][0]['certificate']['source'] == 'file'"
check "its subject and validity" \
	js "r['overrides'][0]['certificate']['subject'] == 'CN=expired.test.test' and r['overrides'][0]['certificate']['not_after'] == '2010-01-06T00:00:00Z'"
check "it is flagged expired" js "r['overrides'][0]['certificate']['expired'] is True"
check "the other entry has no known certificate" js "r['overrides'][1]['certificate'] is None"
check "era D entries, read by the current application" js "r['overrides'][1]['era'] == 'D' and r['reader_era'] == 'D'"
run -p "$P" override list --cert "$EXPIRED" --cert "$LEAF"
check "text: expired shown" has "$out" 'CN=expired.test.test  valid until 2010-01-06  EXPIRED'
check "text: the valid one is not" has "$out" 'CN=leaf.mozcert.test.*valid until 2046-11-23  \['
rm "$P/cert_override.txt"
expect_rc "list without cert_override.txt" 0 -p "$P" override list
check "says 0 overrides" has "$out" '^0 overrides (no cert_override.txt)$'

# ---- add: the era of the profile's application ----
P=$T/p153; mkprof "$P" 153.0.1
expect_rc "add for Firefox 153" 0 -p "$P" override add Leaf.MOZCERT.test --cert "$LEAF"
printf '%s\n%s\nleaf.mozcert.test:443:\t%s\t%s\t\n' "$H1" "$H2" $OID "$LFP" >"$T/want"
check "153: era D file, exact bytes (header, H:P:, OID, FP, tab)" cmp -s "$P/cert_override.txt" "$T/want"
check "153: a new file is 0600" [ "$(stat -c %a "$P/cert_override.txt")" = 600 ]
check "153: the fingerprint is what openssl computes" grep -q "$LFP" "$P/cert_override.txt"
snap=$(sum_dir "$P")
expect_rc "re-add the same exception" 0 --json -p "$P" override add leaf.mozcert.test:443 --cert "$LEAF"
check "re-add: unchanged, changed false" js "r['status'] == 'unchanged' and d['changed'] is False"
check "re-add: file byte-identical" [ "$(sum_dir "$P")" = "$snap" ]
check "re-add: no backup made" [ ! -d "$P/mozcert-backups" ]
chmod 0644 "$P/cert_override.txt"
expect_rc "a different certificate for the same host replaces the line" 0 --json -p "$P" override add leaf.mozcert.test --cert "$FIX/certs/root.pem"
check "replace: status replaced" js "r['status'] == 'replaced' and r['changes'][0]['line'] == 3"
printf '%s\n%s\nleaf.mozcert.test:443:\t%s\t%s\t\n' "$H1" "$H2" $OID "$RFP" >"$T/want"
check "replace: one line, new fingerprint" cmp -s "$P/cert_override.txt" "$T/want"
check "replace: mode kept (0644)" [ "$(stat -c %a "$P/cert_override.txt")" = 644 ]
bk=$(ls -d "$P"/mozcert-backups/*/ | head -1)
check "replace: the old file is in the backup" grep -q "$LFP" "$bk/cert_override.txt"
check "replace: backup dir is 0700" [ "$(stat -c %a "$bk")" = 700 ]
expect_rc "add port 993 (IMAPS)" 0 -p "$P" override add imap.example.org:993 --cert "$LEAF"
check "993: line written" grep -q "^imap.example.org:993:	$OID	$LFP	\$" "$P/cert_override.txt"
expect_rc "add IPv6 [::1]:465" 0 -p "$P" override add '[::1]:465' --cert "$LEAF"
check "IPv6: bracketed key" grep -q "^\[::1\]:465:	$OID	$LFP	\$" "$P/cert_override.txt"
expect_rc "add a bare IPv6 address (port 443)" 0 -p "$P" override add 'FE80::1' --cert "$LEAF"
check "bare IPv6: lower-cased, bracketed, 443" grep -q "^\[fe80::1\]:443:	" "$P/cert_override.txt"
expect_rc "add --origin ^privateBrowsingId=1" 0 -p "$P" override add imap.example.org:993 --origin '^privateBrowsingId=1' --cert "$LEAF"
check "origin: suffixed key" grep -q "^imap.example.org:993:^privateBrowsingId=1	" "$P/cert_override.txt"
expect_rc "list of the written file" 0 --json -p "$P" override list
check "list: 5 entries, app 153 reads era D" js "r['count'] == 5 and r['app_major'] == 153 and r['reader_era'] == 'D'"

P=$T/p115; mkprof "$P" 115.3.1
expect_rc "add for Thunderbird/Firefox 115" 0 -p "$P" override add leaf.mozcert.test:587 --cert "$LEAF"
printf '%s\n%s\nleaf.mozcert.test:587:\t%s\t%s\t\t%s\n' "$H1" "$H2" $OID "$LFP" "$LKEY" >"$T/want"
check "115: era C (empty bits, dbKey from issuer and serial)" cmp -s "$P/cert_override.txt" "$T/want"

P=$T/pun; mkprof "$P"
expect_rc "add with the version unknown" 0 -p "$P" override add leaf.mozcert.test --cert "$LEAF"
printf '%s\n%s\nleaf.mozcert.test:443\t%s\t%s\tMUT\t%s\n' "$H1" "$H2" $OID "$LFP" "$LKEY" >"$T/want"
check "unknown version: the line every version reads (no suffix, MUT, dbKey)" cmp -s "$P/cert_override.txt" "$T/want"
expect_rc "IPv6 with the version unknown" 0 -p "$P" override add '[::1]:443' --cert "$LEAF"
check "IPv6 unknown version: era B line and a warning" grep -q "^\[::1\]:443:	$OID	$LFP	MUT	$LKEY\$" "$P/cert_override.txt"
check "IPv6 unknown version: warning" has "$errout" "version unknown"

P=$T/pfmt; mkprof "$P" 153.0
expect_rc "--format B on a 153 profile" 0 -p "$P" override add a.example:443 --format B --cert "$LEAF"
check "--format B: H:P: with MUT and dbKey" grep -q "^a.example:443:	$OID	$LFP	MUT	$LKEY\$" "$P/cert_override.txt"
expect_rc "--format A" 0 -p "$P" override add b.example --format a --cert "$LEAF"
check "--format A: H:P without suffix" grep -q "^b.example:443	$OID	$LFP	MUT	$LKEY\$" "$P/cert_override.txt"
expect_rc "--format C" 0 -p "$P" override add c.example --format C --cert "$LEAF"
check "--format C" grep -q "^c.example:443:	$OID	$LFP		$LKEY\$" "$P/cert_override.txt"
expect_rc "--format B --bits=tu (explicit letters)" 0 -p "$P" override add d.example --format B --bits=tu --cert "$LEAF"
check "explicit bits written in M U T order" grep -q "^d.example:443:	$OID	$LFP	UT	$LKEY\$" "$P/cert_override.txt"
expect_rc "--format A with --origin: usage error" 2 -p "$P" override add e.example --format A --origin '^privateBrowsingId=1' --cert "$LEAF"

# --bits: what the certificate fails now
P=$T/pbits; mkprof "$P" 90.0
expect_rc "--bits, leaf's issuer unknown, name matches" 0 -p "$P" override add leaf.mozcert.test --bits --cert "$LEAF"
check "--bits: U" grep -q "^leaf.mozcert.test:443	$OID	$LFP	U	$LKEY\$" "$P/cert_override.txt"
expect_rc "--bits, name mismatch too" 0 -p "$P" override add other.example --bits --cert "$LEAF"
check "--bits: MU" grep -q "^other.example:443	$OID	$LFP	MU	" "$P/cert_override.txt"
expect_rc "--bits, expired and untrusted" 0 -p "$P" override add expired.test.test --bits --cert "$EXPIRED"
check "--bits: UT" grep -q "^expired.test.test:443	$OID	$EFP	UT	" "$P/cert_override.txt"
certutil -A -d "sql:$P" -n testroot -t C,, -i "$FIX/certs/root.pem"
cat "$LEAF" "$FIX/certs/intermediate.pem" >"$T/chain.pem"
expect_rc "--bits, root trusted in the profile's store, chain in the file, wrong name" 0 -p "$P" override add third.example --bits --cert "$T/chain.pem"
check "--bits: M only (the profile's trust counts)" grep -q "^third.example:443	$OID	$LFP	M	" "$P/cert_override.txt"
expect_rc "without --bits an era-A line gets MUT" 0 -p "$P" override add fourth.example --cert "$LEAF"
check "default bits MUT" grep -q "^fourth.example:443	$OID	$LFP	MUT	" "$P/cert_override.txt"

# --bits for a self-signed certificate whose only name is its subject CN (no subjectAltName): Firefox 48
# and later never match a host name against the CN (t90 shows Firefox 153 rejecting such a certificate
# with SSL_ERROR_BAD_CERT_DOMAIN even when it is trusted), so the exception must carry M as well as U.
# NSS's CERT_VerifyCertName, which mozcert used before, falls back to the CN and said U alone.
selfsigned() { # selfsigned OUT CN [SAN]
	{
		printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=%s\n' "$2"
		printf '[ext]\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'
		[ -n "${3:-}" ] && printf 'subjectAltName=DNS:%s\n' "$3"
	} >"$1.cnf"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -config "$1.cnf" \
		-days 30 -out "$1" 2>/dev/null
}
selfsigned "$T/cnonly.pem" cn.mozcert.test
selfsigned "$T/cnsan.pem" cn.mozcert.test cn.mozcert.test
check "precondition: the CN-only certificate has no subjectAltName" \
	sh -c '! openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | grep -q DNS' _ "$T/cnonly.pem"
CFP=$(fp "$T/cnonly.pem")
SFP=$(fp "$T/cnsan.pem")
expect_rc "--bits, self-signed, the name only in the CN" 0 -p "$P" override add cn.mozcert.test --bits --cert "$T/cnonly.pem"
check "--bits: MU for a CN-only certificate (the CN is not a name the application matches)" \
	grep -q "^cn.mozcert.test:443	$OID	$CFP	MU	" "$P/cert_override.txt"
expect_rc "--bits, self-signed, the name in the subjectAltName" 0 -p "$P" override add cn.mozcert.test:8443 --bits --cert "$T/cnsan.pem"
check "--bits: U for the same name in the subjectAltName" grep -q "^cn.mozcert.test:8443	$OID	$SFP	U	" "$P/cert_override.txt"
run --json -p "$P" verify "$T/cnonly.pem" --name cn.mozcert.test
check "verify names the bits an exception needs for the CN-only certificate: MU" js "r['exception_bits'] == 'MU'"
check "verify: the application rejects it as self-signed, then for the name" \
	js "[q['code'] for q in r['problems']] == ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', 'SSL_ERROR_BAD_CERT_DOMAIN']"
run --json -p "$P" verify "$T/cnsan.pem" --name cn.mozcert.test
check "verify: U for the certificate with the name in its subjectAltName" js "r['exception_bits'] == 'U'"

# ---- unterminated last line, CRLF ----
P=$T/punt; mkprof "$P" 153.0
printf '%s\r\n%s\r\nold.example:443:\t%s\t%s\t' "$H1" "$H2" $OID "$RFP" >"$P/cert_override.txt"
expect_rc "add to a CRLF file with an unterminated last line" 0 -p "$P" override add new.example --cert "$LEAF"
printf '%s\r\n%s\r\nold.example:443:\t%s\t%s\t\r\nnew.example:443:\t%s\t%s\t\r\n' "$H1" "$H2" $OID "$RFP" $OID "$LFP" >"$T/want"
check "the last line is terminated, the new line uses CRLF" cmp -s "$P/cert_override.txt" "$T/want"

# ---- remove ----
P=$T/prm; mkprof "$P" 153.0
cat >"$P/cert_override.txt" <<EOF
$H1
$H2
h.example:443:	$OID	$LFP	
h.example:443:^privateBrowsingId=1	$OID	$LFP	
h.example:443	$OID	$LFP	MUT	$LKEY
h.example:8443:	$OID	$LFP	
keep.example:443:	$OID	$LFP	
EOF
chmod 0640 "$P/cert_override.txt"
expect_rc "remove --origin one variant" 0 --json -p "$P" override remove h.example --origin '^privateBrowsingId=1'
check "remove --origin: one line removed" js "r['removed'] == 1 and d['changed'] is True"
check "remove --origin: the variant is gone" sh -c '! grep -q "privateBrowsingId" "$1"' _ "$P/cert_override.txt"
expect_rc "remove h.example (all variants of port 443)" 0 --json -p "$P" override remove H.example
check "remove: two lines (H:P: and H:P)" js "r['removed'] == 2"
check "remove: port 8443 and other hosts kept" [ "$(grep -vc '^#' "$P/cert_override.txt")" -eq 2 ]
check "remove: mode kept (0640)" [ "$(stat -c %a "$P/cert_override.txt")" = 640 ]
snap=$(sum_dir "$P")
expect_rc "remove of an absent exception: exit 0" 0 --json -p "$P" override remove nothing.example:443
check "absent: changed false" js "d['changed'] is False and r['removed'] == 0"
check "absent: file untouched" [ "$(sum_dir "$P")" = "$snap" ]
expect_rc "remove h.example:8443" 0 -p "$P" override remove h.example:8443
check "8443 gone" sh -c '! grep -q "8443" "$1"' _ "$P/cert_override.txt"

# ---- prune ----
P=$T/ppr; mkprof "$P" 153.0
{
	printf '%s\n%s\n' "$H1" "$H2"
	printf 'no tabs in this line at all\n'
	printf 'bad.example:443:\t%s\tNOT:A:FINGERPRINT\t\n' $OID
	printf 'bad2.example:443:\t%s\t%s\n' $OID "$LFP"
	printf 'dup.example:443:\t%s\t%s\t\n' $OID "$LFP"
	printf 'ok.example:443:\t%s\t%s\t\n' $OID "$LFP"
	printf 'dup.example:443:\t%s\t%s\t\n' $OID "$LFP"
	printf 'expired.test.test:443:\t%s\t%s\t\n' $OID "$EFP"
} >"$P/cert_override.txt"
cp "$P/cert_override.txt" "$T/prune-orig"
expect_rc "list of a file with malformed lines" 0 --json -p "$P" override list
check "list: malformed lines counted as ignored" js "r['ignored_count'] >= 2"
snap=$(sum_dir "$P")
expect_rc "prune --dry-run" 0 -n -p "$P" override prune
check "dry-run: shows removed lines with '-'" has "$out" '^-no tabs in this line at all$'
check "dry-run: shows the duplicate" has "$out" "^-dup.example:443:"
check "dry-run: nothing written" [ "$(sum_dir "$P")" = "$snap" ]
expect_rc "prune" 0 --json -p "$P" override prune
check "prune: changed" js "d['changed'] is True and r['removed'] >= 3"
check "prune: malformed line gone" sh -c '! grep -q "no tabs" "$1"' _ "$P/cert_override.txt"
check "prune: unterminated-fingerprint line gone" sh -c '! grep -q "^bad2" "$1"' _ "$P/cert_override.txt"
check "prune: one dup.example left" [ "$(grep -c '^dup.example' "$P/cert_override.txt")" -eq 1 ]
check "prune: the expired entry stays without --expired" grep -q '^expired.test.test' "$P/cert_override.txt"
check "prune: a backup of the old file" sh -c 'cmp -s "$1" "$(ls -d "$2"/mozcert-backups/*/ | head -1)/cert_override.txt"' _ "$T/prune-orig" "$P"
expect_rc "prune --expired (certificate unknown): nothing more" 0 --json -p "$P" override prune --expired
check "prune --expired without a known certificate keeps it" grep -q '^expired.test.test' "$P/cert_override.txt"
expect_rc "prune --expired --cert expired.ca" 0 --json -p "$P" override prune --expired --cert "$EXPIRED"
check "prune --expired: the expired entry is gone" sh -c '! grep -q "^expired.test.test" "$1"' _ "$P/cert_override.txt"
check "prune --expired: valid entries stay" grep -q '^ok.example' "$P/cert_override.txt"
certutil -A -d "sql:$P" -n expired -t ,, -i "$EXPIRED"
printf 'expired.test.test:443:\t%s\t%s\t\n' $OID "$EFP" >>"$P/cert_override.txt"
expect_rc "prune --expired with the certificate in the profile's store" 0 -p "$P" override prune --expired
check "the store's expired certificate is recognised" sh -c '! grep -q "^expired.test.test" "$1"' _ "$P/cert_override.txt"

# ---- dry-run add ----
P=$T/pdry; mkprof "$P" 153.0
printf '%s\n%s\nx.example:443:\t%s\t%s\t\n' "$H1" "$H2" $OID "$RFP" >"$P/cert_override.txt"
snap=$(sum_dir "$P")
expect_rc "dry-run replace" 0 -n -p "$P" override add x.example --cert "$LEAF"
check "dry-run: the old line with '-'" has "$out" "^-x.example:443:	$OID	$RFP	\$"
check "dry-run: the new line with '+'" has "$out" "^+x.example:443:	$OID	$LFP	\$"
check "dry-run: nothing written" [ "$(sum_dir "$P")" = "$snap" ]
check "dry-run: no backup" [ ! -d "$P/mozcert-backups" ]
run --json -n -p "$P" override add y.example --cert "$LEAF"
check "dry-run JSON: changed false, the change listed" js "d['changed'] is False and r['changes'][0]['action'] == 'added'"

# ---- in use ----
hold_lock "$P"
expect_rc "add while in use: exit 3" 3 -p "$P" override add y.example --cert "$LEAF"
expect_rc "remove while in use: exit 3" 3 -p "$P" override remove x.example
expect_rc "prune while in use: exit 3" 3 -p "$P" override prune
expect_rc "list while in use is fine" 0 -p "$P" override list
check "in use: nothing changed" [ "$(sum_dir "$P")" = "$snap" ]
release_lock

# ---- bad input ----
expect_rc "add without --cert: exit 2" 2 -p "$P" override add y.example
expect_rc "add with a URL: exit 2" 2 -p "$P" override add https://y.example/ --cert "$LEAF"
expect_rc "add with port 0: exit 2" 2 -p "$P" override add y.example:0 --cert "$LEAF"
expect_rc "add with port 70000: exit 2" 2 -p "$P" override add y.example:70000 --cert "$LEAF"
expect_rc "add with a bad --format: exit 2" 2 -p "$P" override add y.example --format E --cert "$LEAF"
expect_rc "add with bad --bits: exit 2" 2 -p "$P" override add y.example --bits=X --cert "$LEAF"
expect_rc "add with a junk certificate: exit 1" 1 -p "$P" override add y.example --cert "$FIX/certs/bad-junk.bin"
check "junk certificate: the file is named" has "$errout" bad-junk.bin
expect_rc "remove with two hosts: exit 2" 2 -p "$P" override remove a.example b.example
check "bad input: nothing changed" [ "$(sum_dir "$P")" = "$snap" ]

# symlinked cert_override.txt
P=$T/plink; mkprof "$P" 153.0
printf '%s\n%s\n' "$H1" "$H2" >"$T/elsewhere.txt"
ln -s "$T/elsewhere.txt" "$P/cert_override.txt"
tsum=$(sha256sum <"$T/elsewhere.txt")
expect_rc "add through a symlinked cert_override.txt: refused" 1 -p "$P" override add y.example --cert "$LEAF"
check "symlink: the error says so" has "$errout" "symbolic link"
expect_rc "prune through a symlink: refused" 1 -p "$P" override prune
expect_rc "dry-run through a symlink: refused too" 1 -n -p "$P" override remove y.example
check "symlink: target untouched" [ "$(sha256sum <"$T/elsewhere.txt")" = "$tsum" ]
check "symlink: still a symlink" [ -L "$P/cert_override.txt" ]

# binary and large files
P=$T/pbin; mkprof "$P" 153.0
head -c 200000 /dev/urandom >"$P/cert_override.txt"
snap=$(sum_dir "$P")
expect_rc "list of a binary file: lines skipped as the application does" 0 --json -p "$P" override list
check "binary: no entries, ignored lines counted" js "r['count'] == 0 and r['ignored_count'] > 0"
expect_rc "add to a binary file: exit 1" 1 -p "$P" override add y.example --cert "$LEAF"
check "binary: error names the file and line" has "$errout" "cert_override.txt:[0-9]*: binary data"
expect_rc "remove from a binary file: exit 1" 1 -p "$P" override remove y.example
check "binary: nothing changed" [ "$(sum_dir "$P")" = "$snap" ]
expect_rc "prune of a binary file drops what the application drops" 0 -p "$P" override prune
check "prune of binary: only comments or blank lines remain" python3 -c 'import re,sys
lines = re.split(rb"\r\n|\n\r|\n|\r", open(sys.argv[1], "rb").read())
sys.exit(0 if all(l == b"" or l.startswith(b"#") for l in lines) else 1)' "$P/cert_override.txt"
run --json -p "$P" override list
check "prune of binary: nothing ignored any more" js "r['ignored_count'] == 0"

P=$T/pbig; mkprof "$P" 153.0
head -c 52428800 /dev/urandom >"$P/cert_override.txt"
snap=$(sum_dir "$P")
expect_rc "list of a 50 MB binary file: exit 0" 0 --json -p "$P" override list
check "50 MB: the JSON caps the ignored list" js "len(r['ignored']) <= 1000 and r['ignored_count'] > 1000"
expect_rc "add to a 50 MB binary file: exit 1" 1 -p "$P" override add y.example --cert "$LEAF"
check "50 MB: nothing changed" [ "$(sum_dir "$P")" = "$snap" ]
rm "$P/cert_override.txt"
truncate -s 130M "$P/cert_override.txt"
expect_rc "a file above the 128 MB bound: exit 1" 1 -p "$P" override list
check "too large: clear error" has "$errout" "too large"
expect_rc "add to it: exit 1" 1 -p "$P" override add y.example --cert "$LEAF"
check "too large: untouched" [ "$(stat -c %s "$P/cert_override.txt")" -eq 136314880 ]

done_testing
