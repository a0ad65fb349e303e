#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t90-e2e-firefox.sh: what mozcert writes is what Firefox reads. Each case
# changes a fresh profile with mozcert only, points a headless firefox-esr at a
# loopback TLS server (python3 http.server + ssl) serving the leaf fixture
# (SAN leaf.mozcert.test, resolved to 127.0.0.1 by network.dns.localDomains,
# itself set with `mozcert pref set`) and judges by what the server saw:
#   accepted - the HTTP request arrived (a rejected certificate never gets that far);
#   rejected - a TLS handshake was attempted and failed, and no request followed;
#   none     - Firefox never connected (always a failure).
# Every case runs with its negative so it can fail. As root each Firefox runs
# with its server inside a private network namespace, so nothing leaves it.
. "$(dirname "$0")/lib.sh"

FF=/usr/bin/firefox-esr
if [ ! -x "$FF" ]; then
	echo "1..0 # SKIP $FF is not installed"
	exit 0
fi
need_tools python3 certutil openssl setsid
NETNS=0
if [ "$(id -u)" = 0 ]; then
	if ! unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
		echo "1..0 # SKIP running as root without a private network namespace (unshare -n)"
		exit 0
	fi
	NETNS=1
fi
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export MOZ_REMOTE_SETTINGS_DEVTOOLS=1 MOZ_CRASHREPORTER_DISABLE=1 MOZ_DISABLE_AUTO_SAFE_MODE=1
unset DISPLAY WAYLAND_DISPLAY

HOST=leaf.mozcert.test
C=$FIX/certs
ffcertutil() { LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil "$@"; }
cat "$C/leaf.pem" "$C/intermediate.pem" >"$T/fullchain.pem"
cp "$C/leaf.pem" "$T/leafonly.pem"

# The loopback server: logs "listening", "connect", "handshake-failed ..." and "request ...".
cat >"$T/server.py" <<'PY'
import http.server, ssl, sys
chain, key, port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
logf = open(log, "a", buffering=1)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        logf.write("request %s %s\n" % (self.headers.get("Host"), self.path))
        body = b"<html><body>mozcert e2e</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    def get_request(self):
        sock, addr = self.socket.accept()
        logf.write("connect\n")
        sock.settimeout(20)
        try:
            return ctx.wrap_socket(sock, server_side=True), addr
        except OSError as e:
            logf.write("handshake-failed %s\n" % e)
            sock.close()
            raise
    def handle_error(self, request, client_address):
        pass
srv = Server(("127.0.0.1", port), Handler)
logf.write("listening\n")
srv.serve_forever()
PY

# The browsing run: server and Firefox together (in one namespace as root).
# Args: PROFILE CHAIN PORT CASEDIR NETNS. Writes CASEDIR/verdict; while
# CASEDIR/hold exists it keeps Firefox running after the request, and
# creates CASEDIR/ready (bounded by 60 s).
cat >"$T/browse.sh" <<'SH'
prof=$1 chain=$2 port=$3 dir=$4 netns=$5 key=$6 server=$7 ff=$8
[ "$netns" = 1 ] && ip link set lo up
log=$dir/server.log
: >"$log"
python3 "$server" "$chain" "$key" "$port" "$log" 2>"$dir/server.err" &
spid=$!
i=0
while ! grep -q '^listening' "$log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
setsid "$ff" --headless --no-remote --profile "$prof" --screenshot "$dir/shot.png" \
	"https://leaf.mozcert.test:$port/" >"$dir/firefox.log" 2>&1 &
fpid=$!
# Hard bound: 60 s to start and connect; once a handshake failed, 4 s for a retry.
i=0 failed_at=
verdict=none
while [ $i -lt 600 ]; do
	if grep -q '^request' "$log"; then verdict=accepted; break; fi
	if [ -z "$failed_at" ] && grep -q '^handshake-failed' "$log"; then failed_at=$i; fi
	if [ -n "$failed_at" ] && [ $((i - failed_at)) -ge 40 ]; then verdict=rejected; break; fi
	kill -0 "$fpid" 2>/dev/null || { sleep 0.5; grep -q '^request' "$log" && verdict=accepted; break; }
	sleep 0.1
	i=$((i + 1))
done
if [ -e "$dir/hold" ]; then
	: >"$dir/ready"
	i=0
	while [ -e "$dir/hold" ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done # up to 300 s: under ASan the 17 commands of the busy case take over a minute
fi
# Let an accepted page finish its screenshot, then stop the whole process group.
i=0
while [ "$verdict" = accepted ] && kill -0 "$fpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM -"$fpid" 2>/dev/null
i=0
while kill -0 "$fpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -"$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
echo "$verdict" >"$dir/verdict"
SH

# A fresh profile as Firefox creates it (cert9.db; with "dbm", a legacy cert8.db/key3.db/secmod.db
# store as Firefox before 58 made it), with the prefs that keep the browser quiet in user.js, and
# the host name set with mozcert.
ff_profile() { # ff_profile DIR [dbm]
	if [ "${2:-sql}" = dbm ]; then
		mkdir -p "$1"
		certutil -N -d "dbm:$1" --empty-password >/dev/null
	else
		new_profile "$1"
	fi
	cat >"$1/user.js" <<'JS'
user_pref("app.normandy.enabled", false);
user_pref("app.shield.optoutstudies.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.update.enabled", false);
user_pref("app.update.checkInstallTime", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.discovery.enabled", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.newtabpage.activity-stream.feeds.telemetry", false);
user_pref("browser.newtabpage.activity-stream.telemetry", false);
user_pref("browser.ping-centre.telemetry", false);
user_pref("browser.region.network.url", "");
user_pref("browser.region.update.enabled", false);
user_pref("browser.safebrowsing.blockedURIs.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.downloads.remote.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.provider.google.updateURL", "");
user_pref("browser.safebrowsing.provider.google4.updateURL", "");
user_pref("browser.safebrowsing.provider.mozilla.updateURL", "");
user_pref("browser.search.geoip.url", "");
user_pref("browser.search.update", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.firstrunSkipsHomepage", true);
user_pref("browser.startup.homepage", "about:blank");
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.startup.page", 0);
user_pref("browser.tabs.crashReporting.sendReport", false);
user_pref("captivedetect.canonicalURL", "");
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.policy.firstRunURL", "");
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("extensions.systemAddon.update.enabled", false);
user_pref("geo.provider.network.url", "");
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.http.speculative-parallel-limit", 0);
user_pref("network.prefetch-next", false);
user_pref("network.proxy.type", 0);
user_pref("network.trr.mode", 5);
user_pref("security.OCSP.enabled", 0);
user_pref("security.remote_settings.crlite_filters.enabled", false);
user_pref("security.remote_settings.intermediates.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("startup.homepage_welcome_url", "");
user_pref("startup.homepage_welcome_url.additional", "");
user_pref("toolkit.telemetry.archive.enabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.server", "");
user_pref("toolkit.telemetry.unified", false);
user_pref("trailhead.firstrun.didSeeAboutWelcome", true);
JS
	run -p "$1" pref set network.dns.localDomains "$HOST"
	[ "$rc" -eq 0 ] || echo "# pref set network.dns.localDomains failed: $errout"
}

next_port() {
	if [ "$NETNS" = 1 ]; then
		echo 8443 # every run has an empty namespace of its own
	else
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
	fi
}

# browse_bg NAME CHAIN PORT: start the run of case NAME (profile $T/NAME) in the background.
browse_bg() {
	mkdir -p "$T/run-$1"
	if [ "$NETNS" = 1 ]; then
		unshare -n sh "$T/browse.sh" "$T/$1" "$2" "$3" "$T/run-$1" 1 "$C/leaf.key" "$T/server.py" "$FF" &
	else
		sh "$T/browse.sh" "$T/$1" "$2" "$3" "$T/run-$1" 0 "$C/leaf.key" "$T/server.py" "$FF" &
	fi
}
verdict_of() { cat "$T/run-$1/verdict" 2>/dev/null || echo none; }
expect_verdict() { # expect_verdict DESC NAME WANT
	v=$(verdict_of "$2")
	if [ "$v" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (firefox: $v, wanted $3)"
		sed 's/^/#   server: /' "$T/run-$2/server.log" 2>/dev/null
	fi
}

# ---- Prepare every profile with mozcert (and, for one, the browser's own certutil) ----

# 1. Root imported C,, (full chain served) -> accepted; nothing imported -> rejected.
ff_profile "$T/root"
expect_rc "root: cert import --trust C,, root" 0 -p "$T/root" cert import --trust C,, "$C/root.pem"
ff_profile "$T/none"

# 2. Leaf only served; root C,, and intermediate ,, -> accepted; intermediate not imported -> rejected.
ff_profile "$T/int"
expect_rc "intermediate: cert import --trust C,, root" 0 -p "$T/int" cert import --trust C,, "$C/root.pem"
expect_rc "intermediate: cert import intermediate (,,)" 0 -p "$T/int" cert import "$C/intermediate.pem"
ff_profile "$T/noint"
expect_rc "no intermediate: cert import --trust C,, root" 0 -p "$T/noint" cert import --trust C,, "$C/root.pem"

# 3. Override for HOST:PORT, nothing trusted -> accepted (negative: "none" above).
ff_profile "$T/ovr"
OVR_PORT=$(next_port)
expect_rc "override add $HOST:$OVR_PORT --cert leaf" 0 -p "$T/ovr" override add "$HOST:$OVR_PORT" --cert "$C/leaf.pem"

# 3b. The same with the profile marked as used by this Firefox (compatibility.ini): the newest line format.
ff_profile "$T/ovr-new"
ffver=$(sed -n 's/^Version=//p' /usr/lib/firefox-esr/application.ini)
ffbuild=$(sed -n 's/^BuildID=//p' /usr/lib/firefox-esr/application.ini)
printf '[Compatibility]\nLastVersion=%s_%s/%s\nLastOSABI=Linux_x86_64-gcc3\nLastPlatformDir=/usr/lib/firefox-esr\nLastAppDir=/usr/lib/firefox-esr/browser\n' \
	"$ffver" "$ffbuild" "$ffbuild" >"$T/ovr-new/compatibility.ini"
expect_rc "override add for Firefox $ffver" 0 -p "$T/ovr-new" override add "$HOST:$OVR_PORT" --cert "$C/leaf.pem"
grep -v '^#' "$T/ovr/cert_override.txt" | sed 's/^/# override line (version unknown): /'
grep -v '^#' "$T/ovr-new/cert_override.txt" | sed "s/^/# override line (Firefox $ffver): /"

# 4. Trust set by the browser's newer NSS (CKO_TRUST v3.2) -> accepted; changed by mozcert to ,, -> rejected.
ff_profile "$T/newer"
ffcertutil -A -d "sql:$T/newer" -n corp -t C,, -i "$C/root.pem"
check "precondition: the browser's NSS sees C,," [ "$(trust_of "$T/newer" corp 1)" = "C,," ]
ff_profile "$T/newer-off"
ffcertutil -A -d "sql:$T/newer-off" -n corp -t C,, -i "$C/root.pem"
expect_rc "cert trust corp ,, over a browser-written trust" 0 -p "$T/newer-off" cert trust corp ,,
check "the browser's NSS sees ,," [ "$(trust_of "$T/newer-off" corp 1)" = ",," ]

# 5. A legacy-only profile (cert8.db, root C,, written by the system NSS 3.87): after db upgrade -> accepted;
# not upgraded -> rejected (this Firefox no longer reads cert8.db and starts with an empty cert9.db).
for p in legacy legacy-noup; do
	ff_profile "$T/$p" dbm
	certutil -A -d "dbm:$T/$p" -n corp -t C,, -i "$C/root.pem"
done
check "precondition: the legacy profiles hold only cert8.db/key3.db/secmod.db" \
	sh -c 'for p; do for f in cert8.db key3.db secmod.db; do [ -f "$p/$f" ] || exit 1; done
		for f in cert9.db key4.db; do [ ! -e "$p/$f" ] || exit 1; done; done' _ "$T/legacy" "$T/legacy-noup"
check "precondition: the legacy store trusts the root C,," \
	[ "$(certutil -L -d "dbm:$T/legacy-noup" | awk '$1 == "corp" { print $NF }')" = "C,," ]
expect_rc "legacy: db upgrade" 0 -p "$T/legacy" db upgrade
check "legacy: after the upgrade the browser's NSS sees the root C,, in cert9.db" [ "$(trust_of "$T/legacy" corp 1)" = "C,," ]

# 6. A damaged cert9.db (root C,, among 30 other certificates; the root page of nssPublic and that of its
# id index zeroed, so neither NSS nor SQLite reaches any row, though every leaf page is intact):
# after db repair -> accepted; not repaired -> rejected.
ff_profile "$T/repaired"
expect_rc "damaged: cert import --trust C,, root" 0 -p "$T/repaired" cert import --trust C,, "$C/root.pem"
: >"$T/fillers.pem"
for i in $(seq 1 30); do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/O=mozcert e2e filler/CN=filler $i" -days 400 -addext "basicConstraints=critical,CA:TRUE" \
		2>/dev/null >>"$T/fillers.pem"
done
expect_rc "damaged: cert import --trust C,, of 30 other certificates" 0 -p "$T/repaired" cert import --trust C,, "$T/fillers.pem"
ROOTNICK=$(certutil -L -d "sql:$T/repaired" | awk 'NR > 4 && /Root/ { sub(/ +[^ ]+ *$/, ""); print; exit }')
PAGES=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?immutable=1" % sys.argv[1], uri=True)
print(*[db.execute("select rootpage from sqlite_master where name = ?", (n,)).fetchone()[0]
	for n in ("nssPublic", "sqlite_autoindex_nssPublic_1")])' "$T/repaired/cert9.db")
check "precondition: nssPublic's root page is an interior page (the rows are on leaf pages below it)" python3 -c 'import sys
d = open(sys.argv[1], "rb").read(); sys.exit(d[(int(sys.argv[2]) - 1) * 4096] != 5)' "$T/repaired/cert9.db" "${PAGES% *}"
for pg in $PAGES; do
	dd if=/dev/zero of="$T/repaired/cert9.db" bs=4096 seek=$((pg - 1)) count=1 conv=notrunc 2>/dev/null
done
cp -r "$T/repaired" "$T/damaged"
check "precondition: the browser's NSS lists none of the 31 certificates of the damaged store" \
	[ "$(LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -L -d "sql:$T/damaged" 2>/dev/null | awk 'NR > 4 && NF' | wc -l)" -eq 0 ]
check "precondition: the browser's NSS does not find the root in the damaged store" \
	sh -c '! LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -L -d "sql:$1" -n "$2" >/dev/null 2>&1' _ "$T/damaged" "$ROOTNICK"
check "precondition: the root's bytes are intact in the damaged cert9.db" python3 -c 'import base64, sys
der = base64.b64decode("".join(l for l in open(sys.argv[1]) if not l.startswith("-----")))
sys.exit(der not in open(sys.argv[2], "rb").read())' "$C/root.pem" "$T/damaged/cert9.db"
expect_rc "damaged: db repair" 0 -p "$T/repaired" db repair
check "damaged: after the repair the browser's NSS sees the root C,," [ "$(trust_of "$T/repaired" "$ROOTNICK" 1)" = "C,," ]
check "damaged: after the repair certutil lists all 31 certificates" \
	[ "$(certutil -L -d "sql:$T/repaired" | awk 'NR > 4 && NF' | wc -l)" -eq 31 ]

# 7. Path building: the server sends the intermediate's name and key signed by an unknown root; the store
# holds the real intermediate and the root C,, -> accepted (pkix backtracks). A server certificate trusted as
# a peer (P,,), nothing else -> rejected (Firefox never takes an end-entity as a trust anchor).
ff_profile "$T/cross"
expect_rc "cross: cert import --trust C,, root" 0 -p "$T/cross" cert import --trust C,, "$C/root.pem"
expect_rc "cross: cert import intermediate" 0 -p "$T/cross" cert import "$C/intermediate.pem"
(
	cd "$T" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout r1.key \
		-subj "/O=mozcert e2e/CN=R1 untrusted" -days 30 -addext "basicConstraints=critical,CA:TRUE" -out r1.pem
	printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >cross.ext
	openssl req -new -key "$C/intermediate.key" -subj "/C=XX/O=mozcert test/CN=mozcert Test Intermediate CA" |
		openssl x509 -req -CA r1.pem -CAkey r1.key -CAcreateserial -CAserial ca.srl -days 30 -extfile cross.ext -out cross-int.pem
) >/dev/null 2>&1
cat "$C/leaf.pem" "$T/cross-int.pem" >"$T/crosschain.pem"
ff_profile "$T/peer"
certutil -A -d "sql:$T/peer" -n peer -t P,, -a -i "$C/leaf.pem"

# 8. A server certificate whose only name is its subject CN (self-signed with the leaf's key, no
# subjectAltName), trusted C,, -> rejected: Firefox never matches the CN (SSL_ERROR_BAD_CERT_DOMAIN), so
# an exception for it must cover the name (bit M), as override add --bits says. The same certificate
# with the name in a subjectAltName, trusted C,, -> accepted (the name is all that differs). The CN-only
# one with the exception override add --bits writes -> accepted. (This Firefox ignores the bits; the
# versions up to 105 that honour them applied an exception only when its bits covered every error.)
cnonly() { # cnonly OUT [SAN]
	{
		printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=%s\n' "$HOST"
		printf '[ext]\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'
		[ -n "${2:-}" ] && printf 'subjectAltName=DNS:%s\n' "$2"
	} >"$1.cnf"
	openssl req -x509 -key "$C/leaf.key" -config "$1.cnf" -days 30 -out "$1" 2>/dev/null
}
cnonly "$T/cnonly.pem"
cnonly "$T/cnsan.pem" "$HOST"
ff_profile "$T/cn"
expect_rc "cn: cert import --trust C,, the CN-only certificate" 0 -p "$T/cn" cert import --trust C,, "$T/cnonly.pem"
ff_profile "$T/cn-san"
expect_rc "cn-san: cert import --trust C,, the certificate with a subjectAltName" 0 -p "$T/cn-san" cert import --trust C,, "$T/cnsan.pem"
ff_profile "$T/cn-ovr"
printf '[Compatibility]\nLastVersion=90.0_20210101000000/20210101000000\nLastOSABI=Linux_x86_64-gcc3\n' >"$T/cn-ovr/compatibility.ini"
expect_rc "cn-ovr: override add --bits for the CN-only certificate (as for Firefox 90)" 0 \
	-p "$T/cn-ovr" override add "$HOST:$OVR_PORT" --bits --cert "$T/cnonly.pem"
check "cn-ovr: the bits written are MU" grep -q "^$HOST:$OVR_PORT	[^	]*	[^	]*	MU	" "$T/cn-ovr/cert_override.txt"
rm -f "$T/cn-ovr/compatibility.ini" # Firefox $ffver reads the line as any version does

# ---- mozcert verify on each prepared profile, before Firefox touches it; judged against Firefox below ----
verify_as() { # verify_as NAME CHAIN PORT: accepted or rejected, as mozcert verify says
	run --json -p "$T/$1" verify "$2" --name "$HOST" --port "$3"
	printf '%s\n' "$out" | python3 -c "import json,sys
v = json.load(sys.stdin)['results'][0].get('verdict')
print('error' if v is None else 'accepted' if v in ('accepted', 'accepted-by-exception') else 'rejected')" >"$T/verify-$1" 2>/dev/null
}
for v in root:fullchain none:fullchain int:leafonly noint:leafonly newer:fullchain newer-off:fullchain \
	legacy:fullchain legacy-noup:fullchain repaired:fullchain damaged:fullchain cross:crosschain peer:leafonly; do
	verify_as "${v%%:*}" "$T/${v#*:}.pem" 443
done
verify_as ovr "$T/fullchain.pem" "$OVR_PORT"
verify_as cn "$T/cnonly.pem" 443
verify_as cn-san "$T/cnsan.pem" 443
verify_as cn-ovr "$T/cnonly.pem" "$OVR_PORT"
verify_as ovr-new "$T/fullchain.pem" "$OVR_PORT"

# ---- Browse: at most two Firefox at a time (each starts in 5-10 s) ----
run_pair() { # run_pair NAME CHAIN [NAME CHAIN]
	browse_bg "$1" "$2" "$(next_port)"
	p1=$!
	p2=
	if [ $# -ge 4 ]; then
		case $3 in
		ovr* | cn-ovr) browse_bg "$3" "$4" "$OVR_PORT" ;;
		*) browse_bg "$3" "$4" "$(next_port)" ;;
		esac
		p2=$!
	fi
	wait $p1
	[ -n "$p2" ] && wait $p2
}
run_pair root "$T/fullchain.pem" none "$T/fullchain.pem"
run_pair int "$T/leafonly.pem" noint "$T/leafonly.pem"
run_pair newer "$T/fullchain.pem" ovr-new "$T/fullchain.pem"
run_pair newer-off "$T/fullchain.pem" ovr "$T/fullchain.pem"
run_pair legacy "$T/fullchain.pem" legacy-noup "$T/fullchain.pem"
run_pair repaired "$T/fullchain.pem" damaged "$T/fullchain.pem"
run_pair cross "$T/crosschain.pem" peer "$T/leafonly.pem"
run_pair cn "$T/cnonly.pem" cn-ovr "$T/cnonly.pem"
run_pair cn-san "$T/cnsan.pem"

expect_verdict "root imported C,,: Firefox accepts the server" root accepted
expect_verdict "nothing imported: Firefox rejects the server" none rejected
expect_verdict "leaf-only server, intermediate imported ,,: accepted" int accepted
expect_verdict "leaf-only server, intermediate not imported: rejected" noint rejected
expect_verdict "override added by mozcert (version unknown): accepted" ovr accepted
expect_verdict "override added by mozcert (for this Firefox): accepted" ovr-new accepted
expect_verdict "root trusted C,, by the browser's own NSS: accepted" newer accepted
expect_verdict "that trust changed to ,, by mozcert: rejected" newer-off rejected
expect_verdict "legacy-only profile after db upgrade: accepted" legacy accepted
expect_verdict "legacy-only profile not upgraded (cert8.db unread): rejected" legacy-noup rejected
expect_verdict "damaged cert9.db after db repair: accepted" repaired accepted
expect_verdict "damaged cert9.db not repaired: rejected" damaged rejected
expect_verdict "a cross-signed intermediate that leads nowhere, the store's leads to the root: accepted" cross accepted
expect_verdict "the server certificate trusted P,, and nothing else: rejected" peer rejected
expect_verdict "a certificate named only by its CN, trusted C,,: rejected (the CN is not matched)" cn rejected
expect_verdict "the same name in a subjectAltName, trusted C,,: accepted" cn-san accepted
expect_verdict "the CN-only certificate with the exception override add --bits wrote (MU): accepted" cn-ovr accepted
for v in root none int noint ovr ovr-new newer newer-off legacy legacy-noup repaired damaged cross peer cn cn-san cn-ovr; do
	check "mozcert verify agrees with Firefox on '$v' ($(cat "$T/verify-$v" 2>/dev/null))" \
		[ "$(cat "$T/verify-$v" 2>/dev/null)" = "$(verdict_of "$v")" ]
done

# ---- 7. A Firefox running on the profile: every writing command exits 3, files unchanged ----
ff_profile "$T/busy"
# No trust anchor here: the page is rejected, so --screenshot never finishes and Firefox keeps the
# profile for as long as the commands below take (under ASan that is over a minute).
expect_rc "busy: cert import intermediate (,,)" 0 -p "$T/busy" cert import "$C/intermediate.pem"
ROOTFP=$(openssl x509 -in "$C/root.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
mkdir -p "$T/run-busy"
: >"$T/run-busy/hold"
browse_bg busy "$T/fullchain.pem" "$(next_port)"
bpid=$!
i=0
while [ ! -e "$T/run-busy/ready" ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done
check "Firefox is running on the profile" [ -e "$T/run-busy/ready" ]
B=$T/busy
# Firefox itself rewrites prefs.js while it runs: for it, look for what the commands would write.
mozfiles() { (cd "$B" && for f in cert9.db key4.db cert_override.txt user.js pkcs11.txt; do
	[ -e "$f" ] && sha256sum "$f"; done; find mozcert-backups 2>/dev/null | LC_ALL=C sort) }
before=$(mozfiles)
expect_rc "in use: cert import exits 3" 3 -p "$B" cert import --trust C,, "$C/root.pem"
expect_rc "in use: cert trust exits 3" 3 -p "$B" cert trust "$ROOTFP" ,,
expect_rc "in use: cert remove exits 3" 3 -p "$B" cert remove "$ROOTFP"
expect_rc "in use: override add exits 3" 3 -p "$B" override add "$HOST:8443" --cert "$C/leaf.pem"
expect_rc "in use: override remove exits 3" 3 -p "$B" override remove "$HOST:8443"
expect_rc "in use: override prune exits 3" 3 -p "$B" override prune
expect_rc "in use: db upgrade exits 3" 3 -p "$B" db upgrade
expect_rc "in use: db repair exits 3" 3 -p "$B" db repair
expect_rc "in use: db reset exits 3" 3 -p "$B" db reset
expect_rc "in use: db restore exits 3" 3 -p "$B" db restore latest
expect_rc "in use: pref set exits 3" 3 -p "$B" pref set browser.startup.page 1
expect_rc "in use: pref unset exits 3" 3 -p "$B" pref unset network.dns.localDomains
expect_rc "in use: ocsp off exits 3" 3 -p "$B" ocsp off
expect_rc "in use: ocsp require exits 3" 3 -p "$B" ocsp require
expect_rc "in use: ocsp on exits 3" 3 -p "$B" ocsp on
expect_rc "in use: md5 on exits 3" 3 -p "$B" md5 on
expect_rc "in use: md5 off exits 3" 3 -p "$B" md5 off
after=$(mozfiles)
check "in use: no file changed, no backup made" [ "$before" = "$after" ]
[ "$before" != "$after" ] && printf '%s\n' "$before" "$after" | sed 's/^/# /'
check "in use: prefs.js still has network.dns.localDomains" grep -q '"network.dns.localDomains", "'"$HOST"'"' "$B/prefs.js"
check "in use: prefs.js got none of the values the commands would set" \
	sh -c '! grep -E "\"(browser\.startup\.page\", 1|security\.OCSP\.require\", true|security\.enable_md5_signatures\", true)" "$1"' _ "$B/prefs.js"
rm -f "$T/run-busy/hold"
wait $bpid
expect_verdict "the busy profile's Firefox reached the server (it really ran)" busy rejected

done_testing
