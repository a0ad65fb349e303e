#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t91-e2e-thunderbird.sh: what mozcert writes is what Thunderbird reads, with a real mail server.
# Two Thunderbird profiles (found by mozcert through $HOME/.thunderbird/profiles.ini, --app
# thunderbird) each hold one IMAP account on a loopback dovecot whose certificate comes from a
# private CA and is served without its intermediate:
#   starttls - IMAP with STARTTLS (socketType 2), nothing trusted: fixed by
#              `override add 127.0.0.1:PORT --fetch --starttls imap`;
#   imaps    - IMAP over TLS (socketType 3), the root imported C,, by mozcert: fixed by
#              `verify 127.0.0.1:PORT --fix`, which fetches the intermediate from the leaf's
#              AIA caIssuers URL (a loopback http.server) and imports it.
# Each profile is started in headless Thunderbird before and after its fix. The password is a
# login remembered in logins.json (encrypted with the profile's key4.db, as Thunderbird stores
# it), so Thunderbird logs in unattended at startup (login_at_startup). dovecot's own log is
# the oracle: "Login: user=<tester>, ... lport=PORT, ... TLS" is a login after Thunderbird's NSS
# accepted the certificate; an SSL_accept() failure with a TLS alert on PORT and no login is a
# rejection by Thunderbird. As root everything runs in a private network namespace.
if [ "$(id -u)" = 0 ] && [ -z "${T91_NETNS:-}" ]; then
	if unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
		T91_NETNS=1 exec unshare -n sh "$0" "$@"
	fi
	echo "1..0 # SKIP running as root without a private network namespace (unshare -n)"
	exit 0
fi
[ -n "${T91_NETNS:-}" ] && ip link set lo up
. "$(dirname "$0")/lib.sh"

TB=/usr/bin/thunderbird
if [ ! -x "$TB" ]; then
	echo "1..0 # SKIP $TB is not installed"
	exit 0
fi
need_tools dovecot doveadm certutil pwdecrypt openssl setsid
if [ ! -x /usr/lib/dovecot/imap-login ] || [ ! -x /usr/lib/dovecot/imap ]; then
	echo "1..0 # SKIP dovecot-imapd is not installed"
	exit 0
fi
# Thunderbird's own NSS (Debian's layout): certutil through it sees the store as Thunderbird does
TBLIB=/usr/lib/thunderbird
t_start=$(date +%s)

PIDS=
TBPID=
t91_cleanup() {
	[ -n "$TBPID" ] && kill -KILL -"$TBPID" 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -f "$T/dovecot.conf" ] && doveadm -c "$T/dovecot.conf" stop >/dev/null 2>&1
	cleanup
}
trap t91_cleanup EXIT
trap 'exit 143' TERM INT HUP
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY DISPLAY WAYLAND_DISPLAY
export XDG_CACHE_HOME=$HOME/.cache XDG_DATA_HOME=$HOME/.local/share
export MOZ_HEADLESS=1 MOZ_CRASHREPORTER_DISABLE=1 MOZ_DISABLE_AUTO_SAFE_MODE=1
jv() { json_has "$1"; }

# ---- a private CA: root, intermediate, a leaf for 127.0.0.1 whose caIssuers URL is the loopback http.server ----
HP=$(free_port)
mkdir -p "$T/www"
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' >"$T/ca.ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/root.key" -subj "/CN=mozcert TB Test Root" \
	-days 30 -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign -out "$T/root.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/int.key" -subj "/CN=mozcert TB Test Intermediate" 2>/dev/null |
	openssl x509 -req -CA "$T/root.pem" -CAkey "$T/root.key" -CAcreateserial -CAserial "$T/ca.srl" -days 30 \
		-extfile "$T/ca.ext" -out "$T/int.pem" 2>/dev/null
printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\nauthorityInfoAccess=caIssuers;URI:http://127.0.0.1:%s/int.der\n' \
	"$HP" >"$T/leaf.ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/leaf.key" -subj "/CN=127.0.0.1" 2>/dev/null |
	openssl x509 -req -CA "$T/int.pem" -CAkey "$T/int.key" -CAserial "$T/ca.srl" -days 30 \
		-extfile "$T/leaf.ext" -out "$T/leaf.pem" 2>/dev/null
openssl x509 -in "$T/int.pem" -outform DER -out "$T/www/int.der"
check "precondition: the CA made a leaf for 127.0.0.1 issued by the intermediate" \
	sh -c 'openssl verify -CAfile "$1/root.pem" -untrusted "$1/int.pem" "$1/leaf.pem" >/dev/null 2>&1' _ "$T"

# ---- the servers: http.server for the AIA URL; dovecot with IMAP (STARTTLS) and IMAPS, the leaf alone ----
"$PY" -m http.server "$HP" --bind 127.0.0.1 --directory "$T/www" >"$T/http.log" 2>&1 &
PIDS="$PIDS $!"
IMAP=$(free_port) IMAPS=$(free_port)
D=$T/dovecot
mkdir -p "$D/mail/tester"
chmod 755 "$T" "$D" "$D/mail"
if [ "$(id -u)" = 0 ]; then
	# dovecot runs no mail process as root: the mailbox belongs to nobody
	MUID=65534 MGID=65534
	chown -R "$MUID:$MGID" "$D/mail/tester"
	LOGINUSERS= LOGINCHROOT=
else
	MUID=$(id -u) MGID=$(id -g)
	# dovecot as an ordinary user: every process and socket is the user's
	LOGINUSERS="default_login_user = $(id -un)
default_internal_user = $(id -un)
default_internal_group = $(id -gn)
service anvil {
  chroot =
}"
	LOGINCHROOT="chroot ="
fi
cat >"$T/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $D/run
state_dir = $D/state
log_path = $D/log
auth_verbose = yes
login_log_format_elements = user=<%u> method=%m rip=%r lip=%l lport=%{lport} mpid=%e %c session=<%{session}>
$LOGINUSERS
ssl = yes
ssl_cert = <$T/leaf.pem
ssl_key = <$T/leaf.key
mail_location = maildir:$D/mail/%u
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=$MUID gid=$MGID home=$D/mail/%u
}
service imap-login {
  $LOGINCHROOT
  inet_listener imap {
    port = $IMAP
  }
  inet_listener imaps {
    port = $IMAPS
    ssl = yes
  }
}
EOF
# imap_greets PORT: dovecot's imap-login answers on PORT with its greeting
imap_greets() {
	"$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5); s.settimeout(5)
sys.exit(0 if s.recv(100).startswith(b"* OK") else 1)' "$1" 2>/dev/null
}
dovecot -c "$T/dovecot.conf" >"$D/start.log" 2>&1
if ! wait_port "$IMAP" || ! wait_port "$IMAPS" || ! wait_port "$HP" ||
	! doveadm -c "$T/dovecot.conf" auth test tester x >/dev/null 2>&1 || ! imap_greets "$IMAP"; then
	not_ok "dovecot and http.server started ($(cat "$D/start.log" "$D/log" 2>/dev/null | tail -3))"
	done_testing
	exit 1
fi
ok "dovecot (IMAP $IMAP STARTTLS, IMAPS $IMAPS) and the AIA http.server ($HP) are up"

# ---- the profiles: a store made with certutil, the account in user.js, the password in logins.json ----
mkdir -p "$HOME/.thunderbird"
cat >"$HOME/.thunderbird/profiles.ini" <<INI
[General]
StartWithLastProfile=1
Version=2

[Profile0]
Name=starttls
IsRelative=1
Path=e2e.starttls
Default=1

[Profile1]
Name=imaps
IsRelative=1
Path=e2e.imaps
INI
# remember_login PROFILE ORIGIN USER PASSWORD: logins.json as Thunderbird's login manager writes it,
# user name and password encrypted with the profile's key4.db (NSS SDR; the store has no password).
remember_login() {
	"$PY" - "$@" <<'PY'
import base64, ctypes, ctypes.util, json, sys, time, uuid
prof, origin, user, pw = sys.argv[1:5]
nss = ctypes.CDLL(ctypes.util.find_library("nss3") or "libnss3.so")
class SECItem(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint), ("data", ctypes.c_void_p), ("len", ctypes.c_uint)]
nss.NSS_InitReadWrite.argtypes = [ctypes.c_char_p]
nss.PK11_GetInternalKeySlot.restype = ctypes.c_void_p
nss.PK11_Authenticate.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
nss.PK11_FreeSlot.argtypes = [ctypes.c_void_p]
nss.PK11SDR_Encrypt.argtypes = [ctypes.c_void_p] * 4
nss.SECITEM_FreeItem.argtypes = [ctypes.c_void_p, ctypes.c_int]
if nss.NSS_InitReadWrite(("sql:" + prof).encode()) != 0:
    sys.exit("NSS_InitReadWrite failed")
slot = nss.PK11_GetInternalKeySlot()
if nss.PK11_Authenticate(slot, 1, None) != 0:
    sys.exit("PK11_Authenticate failed")
def enc(s):
    raw = s.encode()
    buf = ctypes.create_string_buffer(raw, len(raw))
    data, keyid, out = SECItem(0, ctypes.cast(buf, ctypes.c_void_p), len(raw)), SECItem(0, None, 0), SECItem(0, None, 0)
    if nss.PK11SDR_Encrypt(ctypes.byref(keyid), ctypes.byref(data), ctypes.byref(out), None) != 0:
        sys.exit("PK11SDR_Encrypt failed")
    r = base64.b64encode(ctypes.string_at(out.data, out.len)).decode()
    nss.SECITEM_FreeItem(ctypes.byref(out), 0)
    return r
now = int(time.time() * 1000)
login = {"id": 1, "hostname": origin, "httpRealm": origin, "formSubmitURL": None, "usernameField": "",
         "passwordField": "", "encryptedUsername": enc(user), "encryptedPassword": enc(pw),
         "guid": "{%s}" % uuid.uuid4(), "encType": 1, "timeCreated": now, "timeLastUsed": now,
         "timePasswordChanged": now, "timesUsed": 1}
nss.PK11_FreeSlot(slot)
if nss.NSS_Shutdown() != 0:
    sys.exit("NSS_Shutdown failed")
with open(prof + "/logins.json", "w") as f:
    json.dump({"nextId": 2, "logins": [login], "potentiallyVulnerablePasswords": [],
               "dismissedBreachAlertsByLoginGUID": {}, "version": 3}, f)
PY
}
tb_profile() { # tb_profile DIR PORT SOCKETTYPE
	new_profile "$1"
	remember_login "$1" imap://127.0.0.1 tester secret
	cat >"$1/user.js" <<JS
user_pref("mail.accountmanager.accounts", "account1,account2");
user_pref("mail.accountmanager.defaultaccount", "account1");
user_pref("mail.accountmanager.localfoldersserver", "server2");
user_pref("mail.account.account1.identities", "id1");
user_pref("mail.account.account1.server", "server1");
user_pref("mail.account.account2.server", "server2");
user_pref("mail.identity.id1.fullName", "mozcert e2e");
user_pref("mail.identity.id1.useremail", "tester@mozcert.invalid");
user_pref("mail.identity.id1.valid", true);
user_pref("mail.server.server1.authMethod", 3);
user_pref("mail.server.server1.check_new_mail", true);
user_pref("mail.server.server1.hostname", "127.0.0.1");
user_pref("mail.server.server1.login_at_startup", true);
user_pref("mail.server.server1.name", "mozcert e2e");
user_pref("mail.server.server1.port", $2);
user_pref("mail.server.server1.socketType", $3);
user_pref("mail.server.server1.type", "imap");
user_pref("mail.server.server1.userName", "tester");
user_pref("mail.server.server2.hostname", "Local Folders");
user_pref("mail.server.server2.name", "Local Folders");
user_pref("mail.server.server2.type", "none");
user_pref("mail.server.server2.userName", "nobody");
user_pref("app.update.auto", false);
user_pref("app.update.enabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("mail.biff.play_sound", false);
user_pref("mail.biff.show_alert", false);
user_pref("mail.provider.suppress_dialog_on_startup", true);
user_pref("mail.rights.version", 1);
user_pref("mail.shell.checkDefaultClient", false);
user_pref("mail.startup.enabledMailCheckOnce", true);
user_pref("mailnews.start_page.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
// With only lo (a private namespace) the link service says "offline": keep Thunderbird online.
user_pref("network.manage-offline-status", false);
user_pref("network.proxy.type", 0);
user_pref("offline.autoDetect", false);
user_pref("security.OCSP.enabled", 0);
user_pref("security.remote_settings.crlite_filters.enabled", false);
user_pref("security.remote_settings.intermediates.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.server", "");
JS
}
PST=$HOME/.thunderbird/e2e.starttls
PSSL=$HOME/.thunderbird/e2e.imaps
tb_profile "$PST" "$IMAP" 2
tb_profile "$PSSL" "$IMAPS" 3
check "precondition: the remembered login decrypts with the profile's key4.db" \
	sh -c '"$2" -c "import json,sys; print(json.load(open(sys.argv[1]))[\"logins\"][0][\"encryptedPassword\"])" "$1/logins.json" |
		pwdecrypt -d "sql:$1" 2>/dev/null | grep -q "\"secret\""' _ "$PST" "$PY"
expect_rc "imaps: cert import --trust C,, of the root" 0 --app thunderbird -p imaps cert import --trust C,, "$T/root.pem"

# ---- headless Thunderbird and the verdict of dovecot's log ----
# Thunderbird's own IMAP log (MOZ_LOG=IMAP:5) of a run: the second oracle.
tblog() { cat "$T/run-$1"/tb*.moz_log 2>/dev/null; }
tb_logged_in() { tblog "$1" | grep -q 'login succeeded'; }
# tb_refused NAME [STARTTLS]: the IMAP log names the certificate error and has no login
# (STARTTLS: and Thunderbird sent STARTTLS first).
tb_refused() {
	tblog "$1" | grep -q 'Security error - error code=SEC_ERROR_UNKNOWN_ISSUER' && ! tb_logged_in "$1" &&
		{ [ $# -lt 2 ] || tblog "$1" | grep -q 'SendData: [0-9]* STARTTLS'; }
}

# tb_start NAME DIR: Thunderbird on the profile in the background (its own process group).
tb_start() {
	mkdir -p "$T/run-$1"
	dl_from=$(($(wc -l <"$D/log") + 1))
	MOZ_LOG=timestamp,sync,IMAP:5 MOZ_LOG_FILE=$T/run-$1/tb \
		setsid "$TB" --headless --no-remote --profile "$2" >"$T/run-$1/thunderbird.log" 2>&1 &
	TBPID=$!
}
# tb_verdict NAME PORT: accepted (a login on PORT), rejected (a TLS alert on PORT, no login 4 s
# later) or none (neither within 60 s); dovecot's lines of this run go to run-NAME/dovecot.log.
tb_verdict() {
	i=0 failed_at= verdict=none
	while [ $i -lt 600 ]; do
		tail -n "+$dl_from" "$D/log" >"$T/run-$1/dovecot.log"
		if grep -q "imap-login: Info: Login: user=<tester>,.* lport=$2,.*TLS" "$T/run-$1/dovecot.log"; then
			verdict=accepted
			break
		fi
		# (dovecot puts the SSL_accept() error before or after the fields, lport among them)
		if [ -z "$failed_at" ] && grep "imap-login: .* lport=$2," "$T/run-$1/dovecot.log" |
			grep -q "SSL_accept() failed: .*alert"; then
			failed_at=$i
		fi
		if [ -n "$failed_at" ] && [ $((i - failed_at)) -ge 40 ]; then verdict=rejected; break; fi
		kill -0 "$TBPID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	# dovecot logs the login before Thunderbird reads the OK: give its IMAP log up to 10 s to say so.
	i=0
	while [ "$verdict" = accepted ] && ! tb_logged_in "$1" && kill -0 "$TBPID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "$verdict" >"$T/run-$1/verdict"
}
tb_stop() {
	kill -TERM -"$TBPID" 2>/dev/null
	i=0
	while kill -0 "$TBPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL -"$TBPID" 2>/dev/null
	wait "$TBPID" 2>/dev/null
	TBPID=
}
expect_verdict() { # expect_verdict DESC NAME WANT
	v=$(cat "$T/run-$2/verdict" 2>/dev/null || echo none)
	if [ "$v" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (thunderbird: $v, wanted $3)"
		grep -v ': Debug: ' "$T/run-$2/dovecot.log" 2>/dev/null | tail -8 | sed 's/^/#   dovecot: /'
		tblog "$2" | grep -v -E 'ReadNextLine|^$' | tail -8 | cut -c1-200 | sed 's/^/#   thunderbird: /'
	fi
}

# ---- IMAP with STARTTLS: override add --fetch --starttls imap ----
expect_rc "starttls: verify 127.0.0.1:IMAP --starttls imap before the fix -> rejected, exit 1" 1 \
	--json --app thunderbird -p starttls verify "127.0.0.1:$IMAP" --starttls imap
check "  SEC_ERROR_UNKNOWN_ISSUER after STARTTLS imap" jv \
	"r['problems'][0]['code'] == 'SEC_ERROR_UNKNOWN_ISSUER' and r['server']['starttls'] == 'imap'"
tb_start st-before "$PST"
tb_verdict st-before "$IMAP"
# While Thunderbird holds the profile mozcert refuses to write it.
expect_rc "starttls: override add while Thunderbird runs on the profile -> exit 3" 3 \
	--app thunderbird -p starttls override add "127.0.0.1:$IMAP" --fetch --starttls imap
check "  no cert_override.txt written" test ! -e "$PST/cert_override.txt"
tb_stop
expect_verdict "starttls, before override add: Thunderbird refuses the certificate, no login" st-before rejected
check "  Thunderbird's IMAP log: STARTTLS sent, then SEC_ERROR_UNKNOWN_ISSUER, no login" \
	tb_refused st-before STARTTLS
check "  Thunderbird wrote its version into compatibility.ini" grep -q '^LastVersion=' "$PST/compatibility.ini"
expect_rc "starttls: override add 127.0.0.1:IMAP --fetch --starttls imap" 0 \
	--app thunderbird -p starttls override add "127.0.0.1:$IMAP" --fetch --starttls imap
grep -v '^#' "$PST/cert_override.txt" 2>/dev/null | sed 's/^/# override line: /'
tb_start st-after "$PST"
tb_verdict st-after "$IMAP"
tb_stop
expect_verdict "starttls, after override add: Thunderbird logs in over STARTTLS" st-after accepted
check "  Thunderbird's IMAP log says: login succeeded" tb_logged_in st-after
check "  Thunderbird kept the exception (cert_override.txt still has the line)" \
	grep -q "^127.0.0.1:$IMAP[:	]" "$PST/cert_override.txt"

# ---- IMAPS, the intermediate omitted: verify --fix fetches it from the caIssuers URL ----
tb_start ssl-before "$PSSL"
tb_verdict ssl-before "$IMAPS"
tb_stop
expect_verdict "imaps, root trusted, intermediate omitted: Thunderbird refuses, no login" ssl-before rejected
check "  Thunderbird's IMAP log: SEC_ERROR_UNKNOWN_ISSUER, no login" tb_refused ssl-before
check "  Thunderbird's NSS sees the root C,, and no intermediate" sh -c \
	'l=$(LD_LIBRARY_PATH=$2 certutil -L -d "sql:$1" 2>/dev/null); printf "%s\n" "$l" | grep -q "TB Test Root .*C,," &&
		! printf "%s\n" "$l" | grep -q "TB Test Intermediate"' _ "$PSSL" "$TBLIB"
expect_rc "imaps: verify 127.0.0.1:IMAPS --fix -> imported, exit 0" 0 \
	--json --app thunderbird -p imaps verify "127.0.0.1:$IMAPS" --fix
check "  the server omitted the intermediate; the AIA fetch leads to the root; cert import ran" jv \
	"r['server']['omitted_intermediate'] is True and r['aia']['fetched'] is True and r['aia']['leads_to_trusted_root'] is True and r['fix']['actions'][0]['action'] == 'import' and r['fix']['accepted_after'] is True"
check "  the intermediate came from the loopback http.server" grep -q 'GET /int.der' "$T/http.log"
check "  Thunderbird's NSS sees the intermediate, trust ,," sh -c \
	'LD_LIBRARY_PATH=$2 certutil -L -d "sql:$1" 2>/dev/null | grep "TB Test Intermediate" | grep -q " ,, *$"' _ "$PSSL" "$TBLIB"
tb_start ssl-after "$PSSL"
tb_verdict ssl-after "$IMAPS"
tb_stop
expect_verdict "imaps, after verify --fix: Thunderbird logs in over TLS" ssl-after accepted
check "  Thunderbird's IMAP log says: login succeeded" tb_logged_in ssl-after
check "  no security exception was involved (no cert_override.txt)" test ! -e "$PSSL/cert_override.txt"

echo "# t91 took $(($(date +%s) - t_start)) s"
done_testing
