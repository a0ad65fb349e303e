#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t59-aia.sh: the intermediate a server omits, fetched from its certificate's AIA caIssuers URL
# (a real python3 http.server on a loopback port, in the test's directory), checked (its key
# verifies the signature, it leads to a trusted root) and imported by verify --fix; an AIA
# server that answers slowly, too much, garbage or 404: its own message and no import; and
# --accept, the only way verify --fix adds a security exception.
. "$(dirname "$0")/lib.sh"

PIDS=
aia_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	cleanup
}
trap aia_cleanup EXIT
trap 'exit 143' TERM INT HUP
jv() { json_has "$1"; }
# certs_in DIR: certutil's list of the store (nickname and trust)
certs_in() { certutil -L -d "sql:$1" 2>/dev/null; }
has_int() { certs_in "$1" | grep -q 'AIA Test Intermediate'; }
no_int() { ! has_int "$1"; }

HP=$(free_port)
SLOWP=$(free_port)
W=$T/www
mkdir -p "$W"
U=http://127.0.0.1:$HP

# ---- the CA: root, intermediate, leaves whose caIssuers URL points at the loopback server ----
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' >"$T/ca.ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/root.key" -subj "/CN=AIA Test Root" \
	-days 30 -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
	-out "$T/root.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/int.key" -subj "/CN=AIA Test Intermediate" 2>/dev/null |
	openssl x509 -req -CA "$T/root.pem" -CAkey "$T/root.key" -CAcreateserial -CAserial "$T/ca.srl" -days 30 \
		-extfile "$T/ca.ext" -out "$T/int.pem" 2>/dev/null
# mkleaf NAME URL: a server certificate for test-host issued by the intermediate, caIssuers URL
mkleaf() {
	printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:test-host\nauthorityInfoAccess=caIssuers;URI:%s\n' "$2" >"$T/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -subj "/CN=$1" 2>/dev/null |
		openssl x509 -req -CA "$T/int.pem" -CAkey "$T/int.key" -CAserial "$T/ca.srl" -days 30 \
			-extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
}
mkleaf leaf "$U/int.der"
mkleaf leaf-p7 "$U/int.p7c"
mkleaf leaf-404 "$U/missing.der"
mkleaf leaf-big "$U/big.der"
mkleaf leaf-garbage "$U/garbage.der"
mkleaf leaf-wrong "$U/root.der"
mkleaf leaf-slow "http://127.0.0.1:$SLOWP/int.der"
openssl x509 -in "$T/int.pem" -outform DER -out "$W/int.der"
openssl x509 -in "$T/root.pem" -outform DER -out "$W/root.der"
openssl crl2pkcs7 -nocrl -certfile "$T/int.pem" -outform DER -out "$W/int.p7c"
head -c 1100000 /dev/zero >"$W/big.der"
printf '<html>this is not a certificate</html>\n' >"$W/garbage.der"

# ---- the servers: http.server for the URLs, a peer that never answers, s_server with the leaf only ----
"$PY" -m http.server "$HP" --bind 127.0.0.1 --directory "$W" >"$T/http.log" 2>&1 &
PIDS="$PIDS $!"
"$PY" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held=[]
while True:
    c,_=s.accept(); held.append(c)' "$SLOWP" >/dev/null 2>&1 &
PIDS="$PIDS $!"
SP=$(free_port)
openssl s_server -accept "127.0.0.1:$SP" -cert "$T/leaf.pem" -key "$T/leaf.key" -quiet </dev/null >"$T/s_server.log" 2>&1 &
PIDS="$PIDS $!"
for p in "$HP" "$SLOWP" "$SP"; do wait_port "$p" || echo "# port $p did not open"; done

new_profile "$T/p"
new_profile "$T/trusted"
certutil -A -d "sql:$T/trusted" -n aia-root -t C,, -a -i "$T/root.pem"

# ---- the server omits the intermediate ----
expect_rc "verify 127.0.0.1:PORT, empty store: rejected, exit 1" 1 --json -p "$T/p" verify "127.0.0.1:$SP" --name test-host
check "unknown issuer; the AIA URL named; fetched; signature verified; no trusted root (root not in the store)" jv \
	"r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and r['server']['certificates_sent'] == 1 and r['server']['omitted_intermediate'] is True and r['aia']['url'] == '$U/int.der' and r['aia']['fetched'] is True and r['aia']['signature_verified'] is True and r['aia']['subject'] == 'CN=AIA Test Intermediate' and r['aia']['leads_to_trusted_root'] is False and r['aia']['error'] is None"
expect_rc "verify, the root trusted in the profile: still rejected (the server omits it)" 1 \
	--json -p "$T/trusted" verify "127.0.0.1:$SP" --name test-host
check "with the fetched intermediate the chain leads to the trusted root and would be accepted" jv \
	"r['verdict'] == 'rejected' and r['aia']['signature_verified'] is True and r['aia']['leads_to_trusted_root'] is True and r['aia']['accepted_with_it'] is True and r['missing_issuer'] == 'CN=AIA Test Intermediate'"
expect_rc "the same in text" 1 -p "$T/trusted" verify "127.0.0.1:$SP" --name test-host
check "text names the URL, the fetch, the signature and the root" sh -c 'printf "%s\n" "$1" | grep -q "from:   $2" &&
	printf "%s\n" "$1" | grep -q "fetched 1 certificate: .CN=AIA Test Intermediate" &&
	printf "%s\n" "$1" | grep -q "signature verified" && printf "%s\n" "$1" | grep -q "leads to a trusted root: .CN=AIA Test Root"' _ "$out" "$U/int.der"
check "its fix line offers verify --fix (the intermediate leads to the trusted root)" sh -c 'printf "%s\n" "$1" | grep "fix:" | grep -q "verify --fix fetches and imports it"' _ "$out"
expect_rc "text, root not trusted" 1 -p "$T/p" verify "127.0.0.1:$SP" --name test-host
check "  no trusted root: the fix line does not offer verify --fix" sh -c 'printf "%s\n" "$1" | grep -q "does not lead to a root the application trusts" && ! printf "%s\n" "$1" | grep -q "verify --fix"' _ "$out"
grep -q 'GET /int.der' "$T/http.log"; check "the intermediate came from the loopback http.server" [ $? -eq 0 ]

# ---- --fix --dry-run, then --fix ----
before=$(sum_dir "$T/trusted")
expect_rc "verify --fix --dry-run: exit 1 (nothing changed)" 1 -p "$T/trusted" verify "127.0.0.1:$SP" --name test-host --fix --dry-run
check "--dry-run says what it would import and changes nothing" sh -c 'printf "%s\n" "$1" | grep -q "would import the intermediate .CN=AIA Test Intermediate" && [ "$2" = "$(cd "$3" && find . -type f ! -name .parentlock ! -name .mozcert-lock ! -path "./mozcert-backups/*" | LC_ALL=C sort | xargs -r sha256sum)" ]' _ "$out" "$before" "$T/trusted"
expect_rc "verify --fix: imports the intermediate, exit 0" 0 --json -p "$T/trusted" verify "127.0.0.1:$SP" --name test-host --fix
check "the fix ran cert import; accepted after" jv \
	"r['fix']['actions'][0]['action'] == 'import' and r['fix']['actions'][0]['exit_status'] == 0 and r['fix']['accepted_after'] is True and r['changed'] is True"
check "certutil sees the intermediate in the store, trust ,," sh -c 'certutil -L -d "sql:$1" | grep "AIA Test Intermediate" | grep -q " ,, *$"' _ "$T/trusted"
check "cert import made its backup" sh -c 'ls "$1"/mozcert-backups/* >/dev/null 2>&1' _ "$T/trusted"
expect_rc "verify afterwards: accepted, exit 0" 0 -p "$T/trusted" verify "127.0.0.1:$SP" --name test-host
expect_rc "verify --fix again: nothing to fix, exit 0" 0 -p "$T/trusted" verify "127.0.0.1:$SP" --name test-host --fix
check "  says so" sh -c 'printf "%s\n" "$1" | grep -q "nothing to fix"' _ "$out"

# ---- a file, and PKCS#7 at the URL ----
new_profile "$T/p7"
certutil -A -d "sql:$T/p7" -n aia-root -t C,, -a -i "$T/root.pem"
expect_rc "verify FILE whose caIssuers URL answers PKCS#7 (certs-only)" 1 --json -p "$T/p7" verify "$T/leaf-p7.pem" --name test-host
check "  fetched, signature verified, leads to the root" jv "r['aia']['url'] == '$U/int.p7c' and r['aia']['fetched'] and r['aia']['signature_verified'] and r['aia']['leads_to_trusted_root']"
expect_rc "verify FILE --fix: imported, exit 0" 0 -p "$T/p7" verify "$T/leaf-p7.pem" --name test-host --fix
check "  certutil sees it" has_int "$T/p7"

# ---- AIA answers that are no intermediate: a clear message, no import ----
# bad NAME DESC PATTERN [ARGS]
bad() {
	name=$1 desc=$2 pat=$3; shift 3
	new_profile "$T/$name"
	certutil -A -d "sql:$T/$name" -n aia-root -t C,, -a -i "$T/root.pem"
	t0=$(date +%s)
	expect_rc "$desc: verify --fix exits 1" 1 --json -p "$T/$name" verify "$T/$name.pem" --name test-host --fix "$@"
	t1=$(date +%s)
	check "  its message: $pat" sh -c 'printf "%s\n" "$1" | "$3" -c "import json,sys,re; a=json.load(sys.stdin)[\"results\"][0][\"aia\"]; sys.exit(0 if a[\"signature_verified\"] is False and re.search(sys.argv[1], a[\"error\"]) else 1)" "$2"' _ "$out" "$pat" "$PY"
	check "  nothing imported" no_int "$T/$name"
	check "  no fix action ran" jv "r['fix']['actions'] == [] and r['changed'] is False"
	elapsed=$((t1 - t0))
}
bad leaf-404 "AIA URL answers 404" 'HTTP 404'
bad leaf-big "AIA URL answers more than 1 MiB" 'more than the 1048576 bytes \(1 MiB\)'
bad leaf-garbage "AIA URL answers garbage" 'not a certificate \(DER or PKCS#7\)'
bad leaf-wrong "AIA URL answers another CA (the root)" "is .CN=AIA Test Root., not the issuer"
bad leaf-slow "AIA server never answers (--timeout 1)" 'timed out waiting for the answer' --timeout 1
check "  the slow server cost at most the bound (${elapsed}s, 3 x 1 s allowed)" [ "$elapsed" -le 4 ]

# ---- redirects (at most 3, http only) and a close-delimited answer, from a second python server ----
RP=$(free_port)
"$PY" -c 'import sys, http.server
hp, rp, der = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        loc = {"/one": "http://127.0.0.1:%s/int.der" % hp, "/https": "https://127.0.0.1:%s/int.der" % hp,
               "/loop": "/loop", "/r1": "/r2", "/r2": "/r3", "/r3": "http://127.0.0.1:%s/int.der" % hp}.get(self.path)
        if loc:
            self.send_response(302); self.send_header("Location", loc); self.send_header("Content-Length", "0"); self.end_headers()
        elif self.path == "/trickle":
            self.send_response(200); self.end_headers()
            import time
            while True:
                self.wfile.write(b"0"); self.wfile.flush(); time.sleep(0.3)
        elif self.path == "/noclen":
            self.send_response(200); self.send_header("Content-Type", "application/pkix-cert"); self.end_headers()
            self.wfile.write(der); self.close_connection = True
        else:
            self.send_error(404)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(rp)), H).serve_forever()' "$HP" "$RP" "$W/int.der" >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_port "$RP"
R=http://127.0.0.1:$RP
# good NAME DESC: the intermediate found through NAME's URL
good() {
	new_profile "$T/$1"
	expect_rc "$2: verify FILE" 1 --json -p "$T/$1" verify "$T/$1.pem" --name test-host
	check "  fetched and verified" jv "r['aia']['fetched'] and r['aia']['signature_verified'] and r['aia']['subject'] == 'CN=AIA Test Intermediate'"
}
mkleaf leaf-one "$R/one"; good leaf-one "a redirect to the other server"
mkleaf leaf-r3 "$R/r1"; good leaf-r3 "3 redirects"
mkleaf leaf-noclen "$R/noclen"; good leaf-noclen "an answer without Content-Length, ended by close"
mkleaf leaf-loop "$R/loop"; bad leaf-loop "a redirect loop" 'more than 3 redirects'
mkleaf leaf-https "$R/https"; bad leaf-https "a redirect to https://" "redirected to 'https://.*', not an http:// URL"
mkleaf leaf-trickle "$R/trickle"
bad leaf-trickle "AIA server trickling a byte every 0.3 s (--timeout 1)" 'gave up after 3.0 s' --timeout 1
check "  the whole fetch bounded by 3 x --timeout (${elapsed}s)" [ "$elapsed" -le 5 ]

# ---- a self-signed server: --accept, and only --accept, adds the exception ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/self.key" -subj "/CN=test-host" \
	-days 30 -addext subjectAltName=DNS:test-host -out "$T/self.pem" 2>/dev/null
SSP=$(free_port)
openssl s_server -accept "127.0.0.1:$SSP" -cert "$T/self.pem" -key "$T/self.key" -quiet </dev/null >"$T/s_self.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$SSP"
FP=$(openssl x509 -in "$T/self.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
new_profile "$T/self"
expect_rc "self-signed server, verify --fix without --accept: exit 1" 1 -p "$T/self" verify "127.0.0.1:$SSP" --name test-host --fix
check "  no exception written; it names the fingerprint and --accept" sh -c '[ ! -e "$1/cert_override.txt" ] && printf "%s\n" "$2" | grep -q "$3" && printf "%s\n" "$2" | grep -q -- "--accept"' _ "$T/self" "$out" "$FP"
expect_rc "  --fix --accept --dry-run: exit 1, nothing written" 1 -p "$T/self" verify "127.0.0.1:$SSP" --name test-host --fix --accept --dry-run
check "  says what it would add" sh -c '[ ! -e "$1/cert_override.txt" ] && printf "%s\n" "$2" | grep -q "would add a security exception"' _ "$T/self" "$out"
expect_rc "  --fix --accept: exit 0" 0 -p "$T/self" verify "127.0.0.1:$SSP" --name test-host --fix --accept
check "  it printed the SHA-256 fingerprint" sh -c 'printf "%s\n" "$1" | grep -q "$2"' _ "$out" "$FP"
expect_rc "  override list shows the exception" 0 --json -p "$T/self" override list
check "  for test-host:$SSP with that fingerprint" jv "any(o['host'] == 'test-host' and o['port'] == $SSP and o['fingerprint'] == '$FP' for o in r['overrides'])"
expect_rc "  verify now: accepted by the exception, exit 0" 0 -p "$T/self" verify "127.0.0.1:$SSP" --name test-host --port "$SSP"
expect_rc "--accept without --fix is a usage error" 2 -p "$T/self" verify "127.0.0.1:$SSP" --accept

done_testing
