#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t65-ocsp-stapled.sh: verify of a live server that staples an OCSP response (openssl s_server
# -status_file, the responses made by openssl ocsp), judged as Firefox does
# (NSSCertDBTrustDomain::CheckRevocationByOCSP): a good staple settles it without the responder, even
# under hard-fail; a revoked one rejects even with OCSP off (and 'ocsp off' is not offered as the fix);
# one signed by a key the CA never delegated to is set aside: the responder is asked, and when it
# cannot answer under soft-fail the staple's error stands.
. "$(dirname "$0")/lib.sh"

need_tools openssl certutil
jv() { # jv PYEXPR: assert on the last --json output; r = the result, codes = its problem codes, o = r['ocsp']
	printf '%s\n' "$out" | "$PY" -c "import json,sys; d=json.load(sys.stdin); r=d['results'][0]
codes = [p['code'] for p in r.get('problems', [])]
o = r['ocsp']
sys.exit(0 if ($1) else 1)"
}
cd "$T" || exit 1
ca() { rsa_ca "$@"; }
OPORT=$(free_port)
leaf() { # leaf NAME: a server certificate for leaf.example of the staple CA, its responder on $OPORT
	printf 'basicConstraints=critical,CA:false\nsubjectAltName=DNS:leaf.example\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:%s/\n' \
		"$OPORT" >"$1.ext"
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=leaf.example" 2>/dev/null |
		openssl x509 -req -CA sca.pem -CAkey sca.key -CAcreateserial -CAserial sca.srl -days 30 \
			-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ca sca "/O=mozcert test/CN=Staple CA"
ca rogue "/O=mozcert test/CN=Staple Rogue Signer"
leaf sgood
leaf srevoked
: >index.txt
ocsp_index_add V sgood
ocsp_index_add R srevoked
staple() { # staple CERT SIGNER OUT: the response openssl's responder gives for CERT, signed by SIGNER
	openssl ocsp -issuer sca.pem -cert "$1.pem" -no_nonce -reqout "$1.req" 2>/dev/null &&
		openssl ocsp -index index.txt -rsigner "$2.pem" -rkey "$2.key" -CA sca.pem -reqin "$1.req" \
			-respout "$3" -ndays 1 >/dev/null 2>&1
}
staple sgood sca good.der
staple srevoked sca revoked.der
staple sgood rogue rogue.der
check "precondition: openssl made the three responses" sh -c '[ -s good.der ] && [ -s revoked.der ] && [ -s rogue.der ]'
check "precondition: openssl reads revoked.der as revoked" sh -c \
	'openssl ocsp -respin revoked.der -issuer sca.pem -cert srevoked.pem -CAfile sca.pem 2>&1 | grep -q ": revoked"'
new_profile "$T/p"
certutil -A -d "sql:$T/p" -n staple-ca -t C,, -a -i sca.pem
P=$T/p

SPID=
serve() { # serve CERT [RESPONSE]: openssl s_server with CERT, stapling RESPONSE; SPORT its port
	[ -n "$SPID" ] && { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
	SPORT=$(free_port)
	if [ -n "${2:-}" ]; then
		openssl s_server -accept "127.0.0.1:$SPORT" -cert "$1.pem" -key "$1.key" -status_file "$2" -quiet \
			</dev/null >"s_server-$1.log" 2>&1 &
	else
		openssl s_server -accept "127.0.0.1:$SPORT" -cert "$1.pem" -key "$1.key" -quiet </dev/null >"s_server-$1.log" 2>&1 &
	fi
	SPID=$!
	wait_port "$SPORT"
}

# 1. A good staple settles it: no responder listens, and OCSP is hard-fail, yet the certificate passes.
expect_rc "ocsp require" 0 -p "$P" ocsp require
serve sgood
expect_rc "control: no staple, no responder, hard-fail -> rejected" 1 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "control: SEC_ERROR_OCSP_SERVER_ERROR, nothing stapled" jv "codes[0] == 'SEC_ERROR_OCSP_SERVER_ERROR' and o['stapled'] is None and o['asked']"
serve sgood good.der
expect_rc "a good staple, no responder, hard-fail -> accepted" 0 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "stapled good, it settles it, the responder is not asked" jv \
	"r['verdict'] == 'accepted' and o['stapled']['status'] == 'good' and o['stapled']['settles'] and not o['asked'] and 'stapled' in o['not_asked']"
run -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "text: the staple and what the application does with it" sh -c 'printf "%s\n" "$1" | grep -q "^ocsp: *stapled by the server: good$" &&
	printf "%s\n" "$1" | grep -q "^ocsp: *the application accepts the certificate on the response the server stapled"' _ "$out"

# 2. A revoked staple rejects, also with OCSP off, and 'ocsp off' is not the fix.
expect_rc "ocsp on" 0 -p "$P" ocsp on
serve srevoked revoked.der
expect_rc "a revoked staple -> rejected" 1 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "SEC_ERROR_REVOKED_CERTIFICATE from the staple, not overridable, no 'ocsp off' fix" jv \
	"codes[0] == 'SEC_ERROR_REVOKED_CERTIFICATE' and 'stapled' in r['problems'][0]['message'] and not r['problems'][0]['overridable'] and o['stapled']['status'] == 'revoked' and o['fix'] is None and not o['asked']"
expect_rc "ocsp off" 0 -p "$P" ocsp off
expect_rc "the same with OCSP off -> still rejected" 1 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "OCSP off: SEC_ERROR_REVOKED_CERTIFICATE all the same" jv "codes[0] == 'SEC_ERROR_REVOKED_CERTIFICATE' and o['mode'] == 'off'"
expect_rc "ocsp on" 0 -p "$P" ocsp on

# 3. A staple signed by a key the CA never delegated to is set aside, and the responder is asked.
serve sgood rogue.der
expect_rc "a rogue-signed staple, the responder down, soft-fail -> rejected" 1 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "set aside, the responder asked and unreachable: the staple's SEC_ERROR_OCSP_INVALID_SIGNING_CERT stands" jv \
	"codes[0] == 'SEC_ERROR_OCSP_INVALID_SIGNING_CERT' and not o['stapled']['settles'] and o['asked'] and o['status'] == 'unreachable' and o['fix'].endswith(' ocsp off')"
expect_rc "ocsp off" 0 -p "$P" ocsp off
expect_rc "with OCSP off (its fix) -> accepted" 0 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "OCSP off: the staple set aside, nobody asked, accepted" jv "r['verdict'] == 'accepted' and not o['asked'] and not o['stapled']['settles']"
expect_rc "ocsp on" 0 -p "$P" ocsp on
ocsp_responder sca sca ocsp.log
expect_rc "the rogue staple, the responder up -> accepted on its answer" 0 --json -p "$P" verify "127.0.0.1:$SPORT" --name leaf.example
check "asked: good, accepted" jv "r['verdict'] == 'accepted' and o['asked'] and o['status'] == 'good' and not o['stapled']['settles']"

kill "$SPID" "$OPID" 2>/dev/null
wait "$SPID" "$OPID" 2>/dev/null
done_testing
