#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t64-verify-causes.sh: the causes verify names behind an error, each with its fix and risk: the
# certificate that carries an MD5 or SHA-1 signature, the names and dates, the computer's clock, a real
# OCSP responder (openssl ocsp on a loopback port: good, revoked, unknown, down), Firefox's Symantec
# distrust (the shipped list, and its matching through a list naming a made root) and TLS interception;
# for a file and for a live server (openssl s_server) alike.
. "$(dirname "$0")/lib.sh"

need_tools openssl certutil
# jv PYEXPR: assert on the last --json output; r = the result, codes = its problem codes, causes = by name
jv() {
	printf '%s\n' "$out" | "$PY" -c "import json,sys; d=json.load(sys.stdin); r=d['results'][0]
codes = [p['code'] for p in r.get('problems', [])]
causes = {c['cause']: c for c in r.get('causes', [])}
sys.exit(0 if ($1) else 1)"
}
has() { printf '%s\n' "$out" | grep -q -- "$1"; }

# A CA of our own (RSA, so that it can sign with MD5 and SHA-1), trusted C,, in the profile.
cd "$T" || exit 1
ca() { rsa_ca "$@"; }
leaf() { # leaf NAME CA DIGEST [EXTRA-EXT]: a server certificate for leaf.example, www.leaf.example
	printf 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:leaf.example,DNS:www.leaf.example\n%s\n' "${4:-}" >"$1.ext"
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=leaf.example" 2>/dev/null |
		openssl x509 -req -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -CAserial "$2.srl" -days 30 \
			"-$3" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ca root "/O=mozcert test/CN=Causes Root"
new_profile "$T/p"
certutil -A -d "sql:$T/p" -n causes-root -t C,, -a -i root.pem
P=$T/p

# ---- weak signatures blamed on the certificate that carries them ----
leaf md5 root md5
leaf sha1 root sha1
leaf good root sha256
check "precondition: the MD5 leaf is signed with MD5" sh -c 'openssl x509 -in md5.pem -noout -text | grep -q "md5WithRSAEncryption"'
expect_rc "MD5-signed server certificate -> rejected" 1 --json -p "$P" verify md5.pem --name leaf.example
check "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED on certificate 0 (the one signed with MD5, not the root)" jv \
	"codes[0] == 'SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED' and r['problems'][0]['certificate'] == 0 and 'MD5' in r['problems'][0]['message']"
check "its fix for an application that ignores the MD5 pref: a security exception, with its risk" jv \
	"' override add ' in r['problems'][0]['fix'] and 'whoever presents it' in r['problems'][0]['risk']"
new_profile "$T/old"
certutil -A -d "sql:$T/old" -n causes-root -t C,, -a -i root.pem
printf '[Compatibility]\nLastVersion=30.0_20140101000000/20140101000000\nLastOSABI=Linux_x86_64-gcc3\n' >"$T/old/compatibility.ini"
expect_rc "the same for Firefox 30 (before mozilla::pkix) -> rejected" 1 --json -p "$T/old" verify md5.pem --name leaf.example
check "its fix there is md5 on, with the risk" jv "r['problems'][0]['fix'].endswith(' md5 on') and 'forged' in r['problems'][0]['risk']"
expect_rc "SHA-1-signed server certificate -> rejected" 1 --json -p "$P" verify sha1.pem --name leaf.example
check "SHA-1 named on certificate 0; only an exception overrides it (md5 on does not help)" jv \
	"codes[0] == 'SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED' and r['problems'][0]['certificate'] == 0 and 'SHA-1' in r['problems'][0]['message'] and ' override add ' in r['problems'][0]['fix'] and 'whoever presents it' in r['problems'][0]['risk']"
expect_rc "the same with SHA-256 -> accepted" 0 -p "$P" verify good.pem --name leaf.example

# ---- a name mismatch lists the names; expiry gives the dates ----
expect_rc "another name -> rejected" 1 --json -p "$P" verify good.pem --name other.example
check "the message lists the names the certificate is valid for" jv \
	"codes == ['SSL_ERROR_BAD_CERT_DOMAIN'] and r['problems'][0]['message'].endswith('it is valid for DNS:leaf.example, DNS:www.leaf.example')"
run -p "$P" verify good.pem --name other.example
check "text: the names" has "valid for DNS:leaf.example, DNS:www.leaf.example"

# Certificates outside today's dates need a maker that sets both dates: python3-cryptography.
if "$PY" -c 'import cryptography' 2>/dev/null; then
	"$PY" - <<'PYEOF'
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def cert(subject, issuer, signer, pub, start, end, ca):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName("time.example")]), critical=False)
    return b.sign(signer, hashes.SHA256())
d = datetime.datetime
pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()
for tag, (ca0, ca1), (l0, l1) in (("past", (d(2000, 1, 1), d(2040, 1, 1)), (d(2001, 1, 1), d(2002, 1, 1))),
                                  ("future", (d(2000, 1, 1), d(2090, 1, 1)), (d(2080, 1, 1), d(2081, 1, 1))),
                                  ("apart", (d(2010, 1, 1), d(2040, 1, 1)), (d(2001, 1, 1), d(2002, 1, 1)))):
    root = cert("Time Root " + tag, "Time Root " + tag, key, key.public_key(), ca0, ca1, True)
    leaf = cert("time.example", "Time Root " + tag, key, ec.generate_private_key(ec.SECP256R1()).public_key(), l0, l1, False)
    open("time-%s-root.pem" % tag, "w").write(pem(root))
    open("time-%s.pem" % tag, "w").write(pem(leaf) + pem(root))
PYEOF
	for t in past future apart; do certutil -A -d "sql:$P" -n "time-$t" -t C,, -a -i "time-$t-root.pem"; done
	expect_rc "expired in 2002 -> rejected" 1 --json -p "$P" verify time-past.pem --name time.example
	check "SEC_ERROR_EXPIRED_CERTIFICATE with its dates" jv \
		"codes == ['SEC_ERROR_EXPIRED_CERTIFICATE'] and 'valid from 2001-01-01 00:00:00 UTC to 2002-01-01 00:00:00 UTC' in r['problems'][0]['message']"
	check "the clock named as the likely cause (ahead), with the common validity" jv \
		"causes['clock']['valid_from'] == '2001-01-01T00:00:00Z' and causes['clock']['valid_until'] == '2002-01-01T00:00:00Z' and 'ahead' in causes['clock']['message'] and 'timedatectl' in causes['clock']['fix']"
	expect_rc "valid from 2080 -> rejected" 1 --json -p "$P" verify time-future.pem --name time.example
	check "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE; the clock is behind" jv \
		"codes == ['MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE'] and 'behind' in causes['clock']['message']"
	expect_rc "expired, and never valid together with its issuer -> rejected" 1 --json -p "$P" verify time-apart.pem --name time.example
	check "no common time: the clock is not blamed" jv "codes[0] == 'SEC_ERROR_EXPIRED_CERTIFICATE' and 'clock' not in causes"
	expect_rc "a certificate valid today -> accepted" 0 --json -p "$P" verify good.pem --name leaf.example
	check "no cause for an accepted certificate" jv "r['causes'] == []"
else
	skip "the dates and the clock: python3-cryptography is not installed"
fi

# ---- OCSP: a real responder (openssl ocsp) on a loopback port ----
OPORT=$(free_port)
ca ocspca "/O=mozcert test/CN=Causes OCSP CA"
certutil -A -d "sql:$P" -n causes-ocsp -t C,, -a -i ocspca.pem
for c in ogood orevoked ounknown; do leaf "$c" ocspca sha256 "authorityInfoAccess=OCSP;URI:http://127.0.0.1:$OPORT/"; done
: >index.txt
ocsp_index_add V ogood
ocsp_index_add R orevoked
responder() { ocsp_responder ocspca "$@"; }
responder ocspca ocsp.log
check "precondition: openssl's own client gets 'revoked' from the responder" sh -c \
	'timeout 20 openssl ocsp -issuer ocspca.pem -cert orevoked.pem -url "http://127.0.0.1:$1/" -CAfile ocspca.pem 2>&1 | grep -q ": revoked"' _ "$OPORT"
expect_rc "OCSP good -> accepted" 0 --json -p "$P" verify ogood.pem --name leaf.example
check "ocsp: asked, good, the application accepts" jv \
	"r['ocsp']['asked'] and r['ocsp']['status'] == 'good' and r['ocsp']['url'] == 'http://127.0.0.1:$OPORT/' and r['verdict'] == 'accepted' and r['ocsp']['fix'] is None"
expect_rc "OCSP revoked -> rejected" 1 --json -p "$P" verify orevoked.pem --name leaf.example
check "SEC_ERROR_REVOKED_CERTIFICATE first, not overridable; the fix 'ocsp off' with its risk" jv \
	"codes[0] == 'SEC_ERROR_REVOKED_CERTIFICATE' and not r['problems'][0]['overridable'] and r['ocsp']['status'] == 'revoked' and r['ocsp']['fix'].endswith(' ocsp off') and 'revoked' in r['ocsp']['risk'] and r['exception_bits'] is None"
run -p "$P" verify orevoked.pem --name leaf.example
check "text: the answer, what the application does, the fix and the risk" sh -c 'printf "%s\n" "$1" | grep -q "^ocsp: *revoked from http://127.0.0.1:$2/: the application rejects" &&
	printf "%s\n" "$1" | grep -q "fix: mozcert -p .* ocsp off" && printf "%s\n" "$1" | grep -q "risk: the application stops asking"' _ "$out" "$OPORT"
expect_rc "a certificate the responder does not know -> rejected" 1 --json -p "$P" verify ounknown.pem --name leaf.example
check "SEC_ERROR_OCSP_UNKNOWN_CERT" jv "codes[0] == 'SEC_ERROR_OCSP_UNKNOWN_CERT' and r['ocsp']['status'] == 'unknown'"
# The same for a live server: openssl s_server sends the revoked certificate.
SPORT=$(free_port)
openssl s_server -accept "127.0.0.1:$SPORT" -cert orevoked.pem -key orevoked.key -quiet </dev/null >s_server.log 2>&1 &
SPID=$!
wait_port "$SPORT"
expect_rc "verify 127.0.0.1:PORT, a server with a revoked certificate -> rejected" 1 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "the server's certificate asked about: SEC_ERROR_REVOKED_CERTIFICATE" jv \
	"r['server']['certificates_sent'] == 1 and codes[0] == 'SEC_ERROR_REVOKED_CERTIFICATE' and r['ocsp']['status'] == 'revoked'"
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
expect_rc "ocsp off" 0 -p "$P" ocsp off
expect_rc "OCSP off in the profile: revoked but accepted, as the application would" 0 --json -p "$P" verify orevoked.pem --name leaf.example
check "not asked, with the reason" jv "not r['ocsp']['asked'] and r['ocsp']['mode'] == 'off' and 'off' in r['ocsp']['not_asked']"
expect_rc "ocsp on" 0 -p "$P" ocsp on
kill "$OPID" 2>/dev/null
wait "$OPID" 2>/dev/null
# A responder the CA delegated to (id-kp-OCSPSigning, issued by it) is believed; one signing with a key
# the CA never certified is not (an unusable answer: soft-fail accepts).
printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n' >resp.ext
openssl req -new -newkey rsa:2048 -nodes -keyout delegate.key -subj "/CN=Causes OCSP responder" 2>/dev/null |
	openssl x509 -req -CA ocspca.pem -CAkey ocspca.key -CAcreateserial -CAserial ocspca.srl -days 30 -extfile resp.ext -out delegate.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -subj "/CN=Causes OCSP CA" -days 30 -out rogue.pem 2>/dev/null
responder delegate ocsp-delegate.log
expect_rc "revoked, said by a delegated responder -> rejected" 1 --json -p "$P" verify orevoked.pem --name leaf.example
check "SEC_ERROR_REVOKED_CERTIFICATE" jv "codes[0] == 'SEC_ERROR_REVOKED_CERTIFICATE' and r['ocsp']['status'] == 'revoked'"
kill "$OPID" 2>/dev/null
wait "$OPID" 2>/dev/null
responder rogue ocsp-rogue.log
expect_rc "revoked, said by a key the CA never certified -> accepted (soft-fail)" 0 --json -p "$P" verify orevoked.pem --name leaf.example
check "bad-response: the signature does not verify" jv \
	"r['ocsp']['status'] == 'bad-response' and 'signature' in r['ocsp']['error'] and r['verdict'] == 'accepted'"
# Hard-fail reports the verification's own error (NSSCertDBTrustDomain.cpp returns
# VerifyEncodedOCSPResponse's result), not SEC_ERROR_OCSP_SERVER_ERROR.
expect_rc "ocsp require" 0 -p "$P" ocsp require
expect_rc "the same answer, hard-fail -> rejected" 1 --json -p "$P" verify orevoked.pem --name leaf.example
check "hard-fail, a signer the CA never certified: SEC_ERROR_OCSP_INVALID_SIGNING_CERT" jv \
	"codes[0] == 'SEC_ERROR_OCSP_INVALID_SIGNING_CERT' and r['ocsp']['status'] == 'bad-response' and 'hard-fail' in r['ocsp']['application']"
expect_rc "ocsp on" 0 -p "$P" ocsp on
kill "$OPID" 2>/dev/null
wait "$OPID" 2>/dev/null
# The request as Firefox sends it (nsNSSCallbacks.cpp: POST, application/ocsp-request): a one-shot
# listener keeps what it was sent and answers 500 (soft-fail accepts).
$PY - "$OPORT" ocsp-request.txt <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(60)
open(sys.argv[2] + ".ready", "w").close()
c, _ = s.accept(); c.settimeout(10); data = b""
while b"\r\n\r\n" not in data:
    d = c.recv(65536)
    if not d: break
    data += d
open(sys.argv[2], "wb").write(data)
c.sendall(b"HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"); c.close()
PY
RPID=$!
i=0
while [ ! -e ocsp-request.txt.ready ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_rc "a responder answering 500, soft-fail -> accepted" 0 --json -p "$P" verify ogood.pem --name leaf.example --timeout 5
wait "$RPID" 2>/dev/null
check "the request is a POST to the responder's URL, Content-Type application/ocsp-request" sh -c \
	'head -1 ocsp-request.txt | grep -q "^POST / HTTP/1" && grep -qi "^Content-Type: application/ocsp-request" ocsp-request.txt && grep -qi "^Content-Length: [1-9]" ocsp-request.txt'
check "HTTP 500: unreachable, with the status" jv "r['ocsp']['status'] == 'unreachable' and '500' in r['ocsp']['error']"
expect_rc "responder down, soft-fail -> accepted" 0 --json -p "$P" verify ogood.pem --name leaf.example --timeout 2
check "unreachable, the application accepts (soft-fail), no fix needed" jv \
	"r['ocsp']['status'] == 'unreachable' and 'soft-fail' in r['ocsp']['application'] and r['ocsp']['fix'] is None and r['ocsp']['error']"
expect_rc "ocsp require" 0 -p "$P" ocsp require
expect_rc "responder down, hard-fail -> rejected" 1 --json -p "$P" verify ogood.pem --name leaf.example --timeout 2
check "hard-fail, no answer: SEC_ERROR_OCSP_SERVER_ERROR (DoOCSPRequest's error), fix 'ocsp off'" jv \
	"codes[0] == 'SEC_ERROR_OCSP_SERVER_ERROR' and 'hard-fail' in r['ocsp']['application'] and r['ocsp']['fix'].endswith(' ocsp off')"
expect_rc "ocsp on" 0 -p "$P" ocsp on

# ---- Symantec: the shipped list, and its matching through a list that names a made root ----
expect_rc "a verify with the shipped lists" 0 --json -p "$P" verify good.pem --name leaf.example
check "the shipped lists parse: 7 distrusted Symantec roots, 12 exemptions, the interceptors" jv \
	"r['lists']['symantec_roots'] == 7 and r['lists']['symantec_exempt'] == 12 and r['lists']['interceptors'] == $(grep -vc '^#' "$SRCDIR/data/tls-interception.txt")"
mkdir -p lists
cp "$SRCDIR/data/tls-interception.txt" lists/
ca symroot "/C=US/O=Symantec Corporation/CN=Made Symantec Root"
ca exempt "/C=US/O=Google Inc/CN=Made Exempt Intermediate"
certutil -A -d "sql:$P" -n symroot -t C,, -a -i symroot.pem
printf 'root\t/C=US/O=Symantec Corporation/CN=Made Symantec Root\tnone\n' >lists/symantec-distrust.txt
# Firefox exempts by the intermediate's key (the SHA-256 of its SubjectPublicKeyInfo), not its name
spki=$(openssl x509 -in exempt.pem -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64 |
	tr a-f A-F | sed 's/../&:/g; s/:$//')
printf 'exempt\t%s\t/C=US/O=Google Inc/CN=Made Exempt Intermediate\tnone\n' "$spki" >>lists/symantec-distrust.txt
leaf sym symroot sha256
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign\n' >int.ext
openssl req -new -key exempt.key -subj "/C=US/O=Google Inc/CN=Made Exempt Intermediate" 2>/dev/null |
	openssl x509 -req -CA symroot.pem -CAkey symroot.key -CAcreateserial -CAserial symroot.srl -days 30 -extfile int.ext -out exint.pem 2>/dev/null
leaf symex exempt sha256
cat symex.pem exint.pem >symex-chain.pem
# the exempt intermediate's name on another key
openssl req -new -newkey rsa:2048 -nodes -keyout namesake.key -subj "/C=US/O=Google Inc/CN=Made Exempt Intermediate" 2>/dev/null |
	openssl x509 -req -CA symroot.pem -CAkey symroot.key -CAcreateserial -CAserial symroot.srl -days 30 -extfile int.ext -out namesake.pem 2>/dev/null
leaf symns namesake sha256
cat symns.pem namesake.pem >symns-chain.pem
expect_rc "a Symantec root not in the list -> accepted" 0 -p "$P" verify sym.pem --name leaf.example
MOZCERT_DATA_DIR=$T/lists
expect_rc "the root listed as distrusted -> rejected" 1 --json -p "$P" verify sym.pem --name leaf.example
check "MOZILLA_PKIX_ERROR_ADDITIONAL_POLICY_CONSTRAINT_FAILED, not overridable, the cause names the root" jv \
	"codes[0] == 'MOZILLA_PKIX_ERROR_ADDITIONAL_POLICY_CONSTRAINT_FAILED' and not r['problems'][0]['overridable'] and 'Made Symantec Root' in causes['symantec-distrust']['message'] and causes['symantec-distrust']['certificate'] == 1"
expect_rc "the same root through an exempt intermediate -> accepted" 0 --json -p "$P" verify symex-chain.pem --name leaf.example
check "no distrust cause" jv "r['verdict'] == 'accepted' and 'symantec-distrust' not in causes"
expect_rc "through an intermediate with the exempt name but another key -> rejected" 1 --json -p "$P" verify symns-chain.pem --name leaf.example
check "the name does not exempt: MOZILLA_PKIX_ERROR_ADDITIONAL_POLICY_CONSTRAINT_FAILED" jv \
	"codes[0] == 'MOZILLA_PKIX_ERROR_ADDITIONAL_POLICY_CONSTRAINT_FAILED' and 'symantec-distrust' in causes"
printf 'root\tnot a subject\n' >lists/symantec-distrust.txt
expect_rc "a malformed list: verify still judges (exit 0)" 0 -p "$P" verify symex-chain.pem --name leaf.example
check "and warns, naming the file and line" sh -c 'printf "%s\n" "$1" | grep -q "symantec-distrust.txt:1: expected .root TAB /SUBJECT"' _ "$errout"
MOZCERT_DATA_DIR=$SRCDIR/data

# ---- TLS interception: a CA named like Avast's, not in the profile ----
ca avast '/O=AVAST Software/OU=generated by avast! antivirus for SSL\/TLS scanning/CN=avast! Web\/Mail Shield Root'
leaf av avast sha256
expect_rc "a server certificate made by Avast's scanner -> rejected" 1 --json -p "$P" verify av.pem --name leaf.example
check "SEC_ERROR_UNKNOWN_ISSUER, the cause names Avast with both ways out and their risks" jv \
	"codes[0] == 'SEC_ERROR_UNKNOWN_ISSUER' and causes['tls-interception']['product'] == 'Avast' and len(causes['tls-interception']['fixes']) == 2 and ' cert import --trust C,, ' in causes['tls-interception']['fixes'][0]['fix'] and 'HTTPS scanning' in causes['tls-interception']['fixes'][1]['fix'] and all(f['risk'] for f in causes['tls-interception']['fixes'])"
run -p "$P" verify av.pem --name leaf.example
check "text: the cause, the fix, the other way out" sh -c 'printf "%s\n" "$1" | grep -q "^cause *tls-interception: .*Avast (antivirus)" &&
	printf "%s\n" "$1" | grep -q "^ *or: Avast: Menu > Settings"' _ "$out"
SPORT=$(free_port)
openssl s_server -accept "127.0.0.1:$SPORT" -cert av.pem -key av.key -quiet </dev/null >s_server2.log 2>&1 &
SPID=$!
wait_port "$SPORT"
expect_rc "verify 127.0.0.1:PORT through the scanner's certificate -> rejected" 1 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "the live server's chain: the interception named too" jv "causes['tls-interception']['product'] == 'Avast' and r['server']['certificates_sent'] == 1"
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
certutil -A -d "sql:$P" -n avast -t C,, -a -i avast.pem
expect_rc "its root imported -> accepted" 0 --json -p "$P" verify av.pem --name leaf.example
check "the interception still named, without a fix" jv "r['verdict'] == 'accepted' and causes['tls-interception']['fix'] is None"
expect_rc "a root of our own that no product uses -> no interception named" 0 --json -p "$P" verify good.pem --name leaf.example
check "no tls-interception cause" jv "'tls-interception' not in causes"

done_testing
