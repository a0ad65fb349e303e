#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t57-live.sh: verify HOST:PORT and override add --fetch against real servers on loopback ports
# (openssl s_server, dovecot IMAP/POP3, aiosmtpd SMTP, slapd LDAP, each with its config in the
# test's directory) and against peers that misbehave (python3 sockets): every failure its message.
. "$(dirname "$0")/lib.sh"

C=$FIX/certs
fixtures_before=$(sum_dir "$C")
PIDS=
live_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -f "$T/dovecot.conf" ] && doveadm -c "$T/dovecot.conf" stop >/dev/null 2>&1
	[ -f "$T/slapd.pid" ] && kill "$(cat "$T/slapd.pid")" 2>/dev/null
	cleanup
}
trap live_cleanup EXIT
# killed (a meson timeout): exit, so that the EXIT trap stops the servers
trap 'exit 143' TERM INT HUP
jv() { json_has "$1"; }
# same_pem A B: the same certificates (DER) in the same order
same_pem() {
	"$PY" -c 'import sys,re,base64
def ders(p): return [base64.b64decode(b) for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", open(p).read(), re.S)]
a, b = ders(sys.argv[1]), ders(sys.argv[2]); sys.exit(0 if a and a == b else 1)' "$1" "$2"
}
# showcerts PORT [ARGS]: the chain openssl s_client sees, as PEM
showcerts() {
	p=$1; shift
	openssl s_client -connect "127.0.0.1:$p" -showcerts "$@" </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
}

# A server certificate for test-host (and one also valid for the address 127.0.0.1), issued by the
# test intermediate; chains with the intermediate.
mksrv() { # mksrv NAME SAN
	printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$2" >"$T/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -subj "/CN=$1" 2>/dev/null |
		openssl x509 -req -CA "$C/intermediate.pem" -CAkey "$C/intermediate.key" -CAcreateserial -CAserial "$T/ca.srl" \
			-days 30 -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
	cat "$T/$1.pem" "$C/intermediate.pem" >"$T/$1-chain.pem"
}
mksrv test-host 'DNS:test-host'
mksrv byip 'DNS:test-host,IP:127.0.0.1'

# s_server PORT CERT KEY [ARGS]: openssl's TLS server in the background
s_server() {
	port=$1 cert=$2 key=$3; shift 3
	openssl s_server -accept "127.0.0.1:$port" -cert "$cert" -key "$key" -quiet "$@" </dev/null >"$T/s_server-$port.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$port"
}

new_profile "$T/p"
new_profile "$T/trusted"
certutil -A -d "sql:$T/trusted" -n root -t C,, -a -i "$C/root.pem"

# ---- openssl s_server, implicit TLS, the full chain ----
FULL=$(free_port)
s_server "$FULL" "$T/test-host.pem" "$T/test-host.key" -cert_chain "$C/intermediate.pem"
expect_rc "verify 127.0.0.1:PORT --name test-host, empty store -> rejected, exit 1" 1 \
	--json -p "$T/p" verify "127.0.0.1:$FULL" --name test-host --save "$T/full.pem"
check "unknown issuer (the root); what the server sent: 2 certificates, none omitted, its names, TLS 1.3" jv \
	"r['verdict'] == 'rejected' and r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and r['file'] is None and r['name'] == 'test-host' and r['server']['certificates_sent'] == 2 and r['server']['omitted_intermediate'] is False and r['server']['names'] == ['DNS:test-host'] and r['server']['starttls'] == 'none' and r['server']['tls_version'] == 'TLS 1.3' and r['server']['address'] == '127.0.0.1' and r['server']['saved'] == '$T/full.pem' and [c['source'] for c in r['chain']] == ['file', 'file']"
check "--save wrote exactly the chain the server was given" same_pem "$T/full.pem" "$T/test-host-chain.pem"
showcerts "$FULL" >"$T/full-openssl.pem"
check "--save equals openssl s_client -showcerts" same_pem "$T/full.pem" "$T/full-openssl.pem"
expect_rc "--save over an existing file -> refused, exit 2" 2 -p "$T/p" verify "127.0.0.1:$FULL" --name test-host --save "$T/full.pem"
check "  the message says it writes a new file only" sh -c 'printf "%s" "$1" | grep -q "new file only"' _ "$errout"
ln -s "$T/victim" "$T/link.pem"
expect_rc "--save over a dangling symlink -> refused" 2 -p "$T/p" verify "127.0.0.1:$FULL" --name test-host --save "$T/link.pem"
check "  nothing written through the symlink" test ! -e "$T/victim"
expect_rc "root trusted -> accepted, exit 0" 0 --json -p "$T/trusted" verify "127.0.0.1:$FULL" --name test-host
check "the chain: the 2 sent, then the store's root as anchor" jv \
	"r['verdict'] == 'accepted' and [c['source'] for c in r['chain']] == ['file', 'file', 'store'] and r['chain'][2]['anchor']"
run -p "$T/trusted" verify "127.0.0.1:$FULL" --name TEST-HOST
check "text: the server line and the names" sh -c 'printf "%s\n" "$1" | grep -q "^server: 127.0.0.1:[0-9]* (127.0.0.1), TLS 1.3: sent 2 certificates" &&
	printf "%s\n" "$1" | grep -q "valid for: DNS:test-host" && printf "%s\n" "$1" | grep -q "^accepted"' _ "$out"
expect_rc "the name defaults to HOST: 127.0.0.1 is not in the certificate -> rejected" 1 \
	--json -p "$T/trusted" verify "127.0.0.1:$FULL"
check "SSL_ERROR_BAD_CERT_DOMAIN, its fix: override add 127.0.0.1:PORT --fetch" jv \
	"r['name'] == '127.0.0.1' and r['problems'][0]['code'] == 'SSL_ERROR_BAD_CERT_DOMAIN' and r['problems'][0]['fix'].endswith(\"override add '127.0.0.1:$FULL' --fetch\")"
snap=$(sum_dir "$T/trusted")
expect_rc "override add 127.0.0.1:PORT --fetch -> exit 0" 0 --json -p "$T/trusted" override add "127.0.0.1:$FULL" --fetch
check "  the exception is for the server's certificate" jv \
	"r['host'] == '127.0.0.1' and r['port'] == $FULL and r['status'] == 'added' and r['fingerprint'] == '$(openssl x509 -in "$T/test-host.pem" -noout -fingerprint -sha256 | cut -d= -f2)'"
expect_rc "override list shows it" 0 --json -p "$T/trusted" override list
check "  one line for 127.0.0.1:PORT, read by the application" jv \
	"[(o['host'], o['port'], o['read_by_app']) for o in r['overrides']] == [('127.0.0.1', $FULL, True)]"
expect_rc "verify honours it -> exit 0" 0 --json -p "$T/trusted" verify "127.0.0.1:$FULL"
check "  accepted by the exception" jv "r['verdict'] == 'accepted-by-exception' and r['exception_line'] > 0"
cp "$T/trusted/cert_override.txt" "$T/ov-fetch.txt"
rm "$T/trusted/cert_override.txt"
expect_rc "override add --cert with the saved chain" 0 -p "$T/trusted" override add "127.0.0.1:$FULL" --cert "$T/full.pem"
check "--fetch wrote the same line as --cert FILE" sh -c "grep -v '^#' '$T/ov-fetch.txt' >'$T/a'; grep -v '^#' '$T/trusted/cert_override.txt' >'$T/b'; cmp -s '$T/a' '$T/b'"
rm "$T/trusted/cert_override.txt"
expect_rc "override add --fetch and --cert together -> usage error" 2 -p "$T/trusted" override add "127.0.0.1:$FULL" --fetch --cert "$T/full.pem"

check "the server was sent no TLS alert (the handshake is left pending, then closed)" sh -c \
	'! grep -qi "alert" "$1"' _ "$T/s_server-$FULL.log"

# ---- the certificate is accepted without an exception: none is added unless --force ----
BYIP=$(free_port)
s_server "$BYIP" "$T/byip.pem" "$T/byip.key" -cert_chain "$C/intermediate.pem"
expect_rc "verify 127.0.0.1:PORT, a certificate valid for the address -> accepted" 0 -p "$T/trusted" verify "127.0.0.1:$BYIP"
expect_rc "override add --fetch for an accepted certificate -> refused, exit 1" 1 -p "$T/trusted" override add "127.0.0.1:$BYIP" --fetch
check "  the message says no exception is needed, nothing written" sh -c \
	'printf "%s" "$1" | grep -q "no exception is needed" && [ ! -e "$2/cert_override.txt" ]' _ "$errout" "$T/trusted"
expect_rc "  --force adds it anyway" 0 -p "$T/trusted" --force override add "127.0.0.1:$BYIP" --fetch
check "  the line is there" grep -q "^127.0.0.1:$BYIP	" "$T/trusted/cert_override.txt"
rm "$T/trusted/cert_override.txt"

# ---- the server sends its certificate alone: it omits the intermediate ----
LEAF=$(free_port)
s_server "$LEAF" "$T/test-host.pem" "$T/test-host.key"
expect_rc "leaf only -> rejected, even with the root trusted" 1 --json -p "$T/trusted" verify "127.0.0.1:$LEAF" --name test-host --save "$T/leaf.pem"
check "1 certificate sent, omitted_intermediate, the missing issuer is the intermediate" jv \
	"r['server']['certificates_sent'] == 1 and r['server']['omitted_intermediate'] is True and r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and 'Intermediate' in r['missing_issuer']"
check "--save wrote the one certificate" same_pem "$T/leaf.pem" "$T/test-host.pem"
run -p "$T/trusted" verify "127.0.0.1:$LEAF" --name test-host
check "text: the server omits an intermediate" sh -c 'printf "%s\n" "$1" | grep -q "omits an intermediate"' _ "$out"
expect_rc "the full chain is not 'omitted' with the intermediate in the store either" 0 -p "$T/trusted" cert import "$C/intermediate.pem"
expect_rc "  leaf only, intermediate in the store -> accepted" 0 --json -p "$T/trusted" verify "127.0.0.1:$LEAF" --name test-host
check "  still reported as omitted (the application completes it from the store)" jv "r['verdict'] == 'accepted' and r['server']['omitted_intermediate'] is True"
expect_rc "  remove it again" 0 -p "$T/trusted" cert remove "$(openssl x509 -in "$C/intermediate.pem" -noout -fingerprint -sha256 | cut -d= -f2)"

# ---- peers that misbehave ----
cat >"$T/peers.py" <<'EOF'
import socket, sys, threading, time
def serve(port, mode):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=one, args=(c, mode), daemon=True).start()
def one(c, mode):
    try:
        if mode == "imap-plain":
            c.sendall(b"* OK IMAP4rev1 Service Ready\r\n"); c.recv(4096); time.sleep(0.5)
        elif mode == "close-mid":
            c.recv(4096)  # the ClientHello
            c.sendall(bytes([0x16, 0x03, 0x03, 0x00, 0x40]) + b"\x02" * 10)  # a record header, half a record
            time.sleep(0.2)
        elif mode == "silent":
            time.sleep(30)
        elif mode == "huge-line":
            c.sendall(b"* OK " + b"x" * (1 << 20) + b"\r\n"); time.sleep(5)
        elif mode == "imap-nostarttls":
            c.sendall(b"* OK ready\r\n"); c.recv(4096)
            c.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK done\r\n"); time.sleep(1)
        elif mode == "imap-refuse":
            c.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"); c.recv(4096)
            c.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n"); c.recv(4096)
            c.sendall(b"a2 NO TLS is broken today\r\n"); time.sleep(1)
        elif mode == "smtp-nostarttls":
            c.sendall(b"220 mail ESMTP\r\n"); c.recv(4096)
            c.sendall(b"250-mail\r\n250 SIZE 1000\r\n"); time.sleep(1)
    except OSError:
        pass
    finally:
        c.close()
for arg in sys.argv[1:]:
    port, mode = arg.split("=")
    threading.Thread(target=serve, args=(int(port), mode), daemon=True).start()
time.sleep(600)
EOF
P_PLAIN=$(free_port) P_MID=$(free_port) P_SILENT=$(free_port) P_HUGE=$(free_port) P_NOST=$(free_port) P_REF=$(free_port) P_SMTP=$(free_port)
"$PY" "$T/peers.py" "$P_PLAIN=imap-plain" "$P_MID=close-mid" "$P_SILENT=silent" "$P_HUGE=huge-line" \
	"$P_NOST=imap-nostarttls" "$P_REF=imap-refuse" "$P_SMTP=smtp-nostarttls" &
PIDS="$PIDS $!"
wait_port "$P_REF"
msg_has() { printf '%s' "$errout" | grep -q "$1" || { echo "# stderr: $errout"; return 1; }; }
expect_rc "a plain IMAP server on an implicit-TLS port -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_PLAIN"
check "  no TLS on this port, it looks like IMAP, try --starttls imap" sh -c 'printf "%s" "$1" | grep -q "no TLS on this port: the server spoke plain text (it looks like IMAP) (.\* OK IMAP4rev1 Service Ready.); try --starttls imap"' _ "$errout"
expect_rc "a peer that closes mid-handshake -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_MID"
check "  it closed the connection in the middle of the handshake" msg_has "closed the connection in the middle of the TLS handshake"
start=$(date +%s)
expect_rc "a peer that never answers, --timeout 1 -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_SILENT" --timeout 1
check "  timed out in the TLS handshake, within the bound" sh -c \
	'printf "%s" "$1" | grep -q "timed out in the TLS handshake (after 1.0 s)" && [ $(($(date +%s) - $2)) -le 3 ]' _ "$errout" "$start"
start=$(date +%s)
expect_rc "--starttls imap on a peer that never greets -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_SILENT" --starttls imap --timeout 1
check "  timed out waiting for the IMAP greeting" sh -c \
	'printf "%s" "$1" | grep -q "timed out waiting for the IMAP greeting" && [ $(($(date +%s) - $2)) -le 3 ]' _ "$errout" "$start"
expect_rc "a 1 MiB greeting line -> exit 1, quickly" 1 -p "$T/p" verify "127.0.0.1:$P_HUGE" --starttls imap --timeout 3
check "  the line is too long (8 KiB read at most)" msg_has "reply line is longer than 8192 bytes"
expect_rc "IMAP without STARTTLS in CAPABILITY -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_NOST" --starttls imap
check "  STARTTLS not offered" msg_has "IMAP: STARTTLS not offered"
expect_rc "IMAP that answers STARTTLS with NO -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_REF" --starttls imap
check "  STARTTLS refused, with the server's words" msg_has "IMAP: STARTTLS refused: .a2 NO TLS is broken today."
expect_rc "SMTP whose EHLO lists no STARTTLS -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_SMTP" --starttls smtp
check "  STARTTLS not offered" msg_has "SMTP: STARTTLS not offered"
expect_rc "an SMTP greeting where IMAP was asked -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$P_SMTP" --starttls imap
check "  says what it looks like" msg_has "looks like SMTP"
REFUSED=$(free_port)
expect_rc "a port nobody listens on -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$REFUSED"
check "  connection refused" msg_has "connection refused"
expect_rc "override add --fetch on it -> exit 1, nothing written" 1 -p "$T/p" override add "127.0.0.1:$REFUSED" --fetch
check "  no cert_override.txt" test ! -e "$T/p/cert_override.txt"
expect_rc "[::1]:PORT is parsed (refused or unreachable, never a usage error)" 1 -p "$T/p" verify "[::1]:$REFUSED"
expect_rc "--starttls with a certificate file -> usage error" 2 -p "$T/p" verify "$T/full.pem" --starttls imap
expect_rc "--starttls of an unknown protocol -> usage error" 2 -p "$T/p" verify "127.0.0.1:$FULL" --starttls ftp

# ---- an IPv6 literal in brackets ----
if V6=$("$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])' 2>/dev/null); then
	openssl s_server -6 -accept "[::1]:$V6" -cert "$T/test-host.pem" -key "$T/test-host.key" -cert_chain "$C/intermediate.pem" \
		-quiet </dev/null >"$T/s_server-v6.log" 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 1 100); do "$PY" -c 'import socket,sys; socket.create_connection(("::1", int(sys.argv[1])), 0.5).close()' "$V6" 2>/dev/null && break; sleep 0.05; done
	expect_rc "verify [::1]:PORT --name test-host, root trusted -> accepted" 0 --json -p "$T/trusted" verify "[::1]:$V6" --name test-host
	check "  connected to ::1, 2 certificates" jv "r['server']['host'] == '::1' and r['server']['address'] == '::1' and r['server']['certificates_sent'] == 2"
else
	skip "no IPv6 loopback"
	skip "no IPv6 loopback"
fi

# ---- a TLS alert: a server that serves one name only (SNI) ----
SNI=$(free_port)
s_server "$SNI" "$T/test-host.pem" "$T/test-host.key" -servername test-host -servername_fatal \
	-cert2 "$T/test-host.pem" -key2 "$T/test-host.key"
expect_rc "the name sent (SNI) is not the server's -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$SNI" --name other-host
check "  the alert is named" msg_has "ended the TLS handshake with alert unrecognized_name (112)"
expect_rc "--name test-host is sent as SNI -> the chain arrives" 1 --json -p "$T/p" verify "127.0.0.1:$SNI" --name test-host
check "  judged: unknown issuer" jv "r['server']['certificates_sent'] == 1 and r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER'"

# ---- a TLS version NSS refuses ----
OLD=$(free_port)
if openssl s_server -help 2>&1 | grep -q -- '-tls1_1'; then
	s_server "$OLD" "$T/test-host.pem" "$T/test-host.key" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
	expect_rc "a TLS 1.1 only server -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$OLD"
	check "  the version is too old for NSS" msg_has "TLS version is too old for NSS"
else
	skip "openssl s_server has no -tls1_1"
	skip "openssl s_server has no -tls1_1"
fi

# ---- dovecot: IMAP STARTTLS, IMAPS, POP3 STLS, POP3S ----
if command -v dovecot >/dev/null 2>&1 && [ -x /usr/lib/dovecot/imap-login ] && [ -x /usr/lib/dovecot/pop3-login ]; then
	IMAP=$(free_port) IMAPS=$(free_port) POP3=$(free_port) POP3S=$(free_port)
	mkdir -p "$T/dovecot"
	chmod 755 "$T"
	cat >"$T/dovecot.conf" <<EOF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $T/dovecot/run
state_dir = $T/dovecot/state
log_path = $T/dovecot/log
ssl = yes
ssl_cert = <$T/test-host-chain.pem
ssl_key = <$T/test-host.key
mail_location = maildir:$T/dovecot/mail/%u
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=0 gid=0 home=$T/dovecot/mail/%u
}
service imap-login {
  inet_listener imap {
    port = $IMAP
  }
  inet_listener imaps {
    port = $IMAPS
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3
  }
  inet_listener pop3s {
    port = $POP3S
    ssl = yes
  }
}
EOF
	dovecot -c "$T/dovecot.conf" >"$T/dovecot/start.log" 2>&1
	if wait_port "$IMAP" && wait_port "$POP3S"; then
		for s in "$IMAP imap" "$IMAPS none" "$POP3 pop3" "$POP3S none"; do
			set -- $s
			expect_rc "dovecot $2 on $1: untrusted issuer until the root is imported" 1 --json -p "$T/p" verify "127.0.0.1:$1" --starttls "$2" --name test-host --save "$T/dc-$1.pem"
			check "  SEC_ERROR_UNKNOWN_ISSUER, STARTTLS $2, 2 certificates" jv \
				"r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and r['server']['starttls'] == '$2' and r['server']['certificates_sent'] == 2"
			showcerts "$1" $([ "$2" = none ] || echo "-starttls $2") >"$T/dc-$1-openssl.pem"
			check "  --save equals what openssl s_client sees" same_pem "$T/dc-$1.pem" "$T/dc-$1-openssl.pem"
			expect_rc "  root trusted -> accepted" 0 -p "$T/trusted" verify "127.0.0.1:$1" --starttls "$2" --name test-host
		done
		expect_rc "dovecot IMAP STARTTLS: override add --fetch --starttls imap" 0 -p "$T/trusted" override add "127.0.0.1:$IMAP" --fetch --starttls imap
		expect_rc "  override list shows it" 0 --json -p "$T/trusted" override list
		check "  for 127.0.0.1:IMAP" jv "[(o['host'], o['port']) for o in r['overrides']] == [('127.0.0.1', $IMAP)]"
		expect_rc "  verify honours it" 0 --json -p "$T/trusted" verify "127.0.0.1:$IMAP" --starttls imap
		check "  accepted by the exception" jv "r['verdict'] == 'accepted-by-exception'"
		rm -f "$T/trusted/cert_override.txt"
		expect_rc "dovecot IMAPS port without --starttls, asked as IMAP STARTTLS -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$IMAPS" --starttls imap --timeout 1
		check "  timed out waiting for the IMAP greeting" msg_has "timed out waiting for the IMAP greeting"
		expect_rc "dovecot IMAP (plain) port as implicit TLS -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$IMAP"
		check "  no TLS on this port, looks like IMAP" msg_has "no TLS on this port.*looks like IMAP"
	else
		not_ok "dovecot started (log: $(cat "$T/dovecot/start.log" "$T/dovecot/log" 2>/dev/null | tail -3))"
	fi
	doveadm -c "$T/dovecot.conf" stop >/dev/null 2>&1
else
	skip "dovecot-imapd and dovecot-pop3d are not installed"
fi

# ---- aiosmtpd: SMTP STARTTLS ----
if "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	SMTP=$(free_port)
	cat >"$T/smtpd.py" <<'EOF'
import signal, ssl, sys
from aiosmtpd.controller import Controller
class Handler:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
c = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]), tls_context=ctx, require_starttls=True)
c.start()
signal.sigwait([signal.SIGTERM, signal.SIGINT])
c.stop()
EOF
	"$PY" "$T/smtpd.py" "$SMTP" "$T/test-host-chain.pem" "$T/test-host.key" >"$T/smtpd.log" 2>&1 &
	PIDS="$PIDS $!"
	if wait_port "$SMTP"; then
		expect_rc "aiosmtpd STARTTLS: untrusted issuer" 1 --json -p "$T/p" verify "127.0.0.1:$SMTP" --starttls smtp --name test-host --save "$T/smtp.pem"
		check "  SEC_ERROR_UNKNOWN_ISSUER after STARTTLS smtp" jv \
			"r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and r['server']['starttls'] == 'smtp' and r['server']['certificates_sent'] == 2"
		showcerts "$SMTP" -starttls smtp >"$T/smtp-openssl.pem"
		check "  --save equals what openssl s_client sees" same_pem "$T/smtp.pem" "$T/smtp-openssl.pem"
		expect_rc "  root trusted -> accepted" 0 -p "$T/trusted" verify "127.0.0.1:$SMTP" --starttls smtp --name test-host
		expect_rc "  override add --fetch --starttls smtp" 0 -p "$T/trusted" override add "127.0.0.1:$SMTP" --fetch --starttls smtp
		expect_rc "  verify honours it" 0 --json -p "$T/trusted" verify "127.0.0.1:$SMTP" --starttls smtp
		check "  accepted by the exception" jv "r['verdict'] == 'accepted-by-exception'"
		rm -f "$T/trusted/cert_override.txt"
	else
		not_ok "aiosmtpd started ($(tail -3 "$T/smtpd.log"))"
	fi
else
	skip "python3-aiosmtpd is not installed"
fi

# ---- slapd: LDAP StartTLS and LDAPS ----
if command -v slapd >/dev/null 2>&1; then
	LDAP=$(free_port) LDAPS=$(free_port)
	cat >"$T/slapd.conf" <<EOF
pidfile $T/slapd.pid
argsfile $T/slapd.args
TLSCertificateFile $T/test-host-chain.pem
TLSCertificateKeyFile $T/test-host.key
EOF
	slapd -f "$T/slapd.conf" -h "ldap://127.0.0.1:$LDAP/ ldaps://127.0.0.1:$LDAPS/" >"$T/slapd.log" 2>&1
	if wait_port "$LDAP" && wait_port "$LDAPS"; then
		expect_rc "slapd StartTLS: untrusted issuer" 1 --json -p "$T/p" verify "127.0.0.1:$LDAP" --starttls ldap --name test-host --save "$T/ldap.pem"
		check "  SEC_ERROR_UNKNOWN_ISSUER after StartTLS" jv \
			"r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and r['server']['starttls'] == 'ldap' and r['server']['certificates_sent'] == 2"
		check "  --save wrote the served chain" same_pem "$T/ldap.pem" "$T/test-host-chain.pem"
		expect_rc "  root trusted -> accepted" 0 -p "$T/trusted" verify "127.0.0.1:$LDAP" --starttls ldap --name test-host
		expect_rc "slapd LDAPS -> accepted" 0 -p "$T/trusted" verify "127.0.0.1:$LDAPS" --name test-host
		kill "$(cat "$T/slapd.pid")" 2>/dev/null
		rm -f "$T/slapd.pid"
		printf 'pidfile %s/slapd.pid\nargsfile %s/slapd.args\n' "$T" "$T" >"$T/slapd-notls.conf"
		slapd -f "$T/slapd-notls.conf" -h "ldap://127.0.0.1:$LDAP/" >"$T/slapd.log" 2>&1
		sleep 0.2
		if wait_port "$LDAP"; then
			expect_rc "slapd without TLS: StartTLS -> exit 1" 1 -p "$T/p" verify "127.0.0.1:$LDAP" --starttls ldap
			check "  the LDAP result code is named" msg_has "LDAP: STARTTLS not offered or refused: resultCode 2 (protocolError)"
		else
			not_ok "slapd without TLS started"
		fi
		[ -f "$T/slapd.pid" ] && kill "$(cat "$T/slapd.pid")" 2>/dev/null
	else
		not_ok "slapd started ($(tail -3 "$T/slapd.log"))"
	fi
else
	skip "slapd is not installed"
fi

check "the fixtures of the source tree are untouched" [ "$(sum_dir "$C")" = "$fixtures_before" ]
done_testing
