#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# crash-sweep.sh: SIGKILL every writing command at evenly spread moments of its run and look for half-states.
# Usage: tests/crash-sweep.sh [MOZCERT] [POINTS]   (POINTS kill points per command, default 40: 240 in all)
# Env: CRASH_COMMANDS="import trust repair upgrade override pref restore hotjournal rootowned" (a subset), CRASH_TAP=1 (PASS/FAIL lines
# for tests/cli/t80-crash-sweep.sh), CRASH_REFRUNS (uninterrupted runs timed, default 3), CRASH_STRACE=0 (no
# extra kill points at each rename/unlink of a profile file), CRASH_STRACE_CALLS="rename" (only those),
# CRASH_STRACE_COMMANDS="pref ..." (strace points only for these),
# MOZCERT_STAGE_DIR (staging; default a private directory on /dev/shm).
#
# For each command: the 'after' state is one uninterrupted run on an identical copy; the run time is the
# median of three runs; kill point k of N lands at (k - 0.5)/N of it. After each kill:
#  - every file other than cert9.db/key4.db is byte-identical to its before or after state (or absent in
#    that state); our temporary files and the journal may exist only until recovery;
#  - cert9.db/key4.db: bytes equal the before bytes, or (the swap happened) certutil -L lists exactly the
#    after listing; with a journal still present that is checked after recovery; no certificate trusted in
#    both the before and after listings shows ',,' (a new cert9.db beside an old key4.db);
#  - recovery ('mozcert cert list' once) leaves no .mozcert-journal and no .*.mozcert-* file, NSS opens the
#    store (certutil -L exit 0) and the state is still before-or-after;
#  - re-running the command finishes with the exit status of an uninterrupted run and reaches the after state.
# Prints one summary line per command and "crash-sweep: K kill points, H half-states".
set -eu
MOZCERT=${1:-build/src/mozcert}
POINTS=${2:-40}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export LC_ALL=C
W=$(mktemp -d "${TMPDIR:-/tmp}/mozcert-crash-XXXXXX")
if [ -z "${MOZCERT_STAGE_DIR:-}" ]; then
	MOZCERT_STAGE_DIR=$(mktemp -d /dev/shm/mozcert-crash-stage-XXXXXX 2>/dev/null || mktemp -d "$W/stage-XXXXXX")
	STAGE_OWN=$MOZCERT_STAGE_DIR
else
	STAGE_OWN=
fi
export MOZCERT_STAGE_DIR
trap 'rm -rf "$W" ${STAGE_OWN:+"$STAGE_OWN"}' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config
mkdir -p "$HOME"

# 500 CA certificates with one shared EC key (as tests/bench-import.sh makes them).
openssl ecparam -name prime256v1 -genkey -noout -out "$W/key.pem" 2>/dev/null
if ! python3 - "$W/key.pem" "$W/bundle.pem" 500 2>/dev/null <<'PY'
# Fast path: the same certificates as the openssl loop below, signed in-process (0.1 s instead of ~20 s).
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
now = datetime.datetime.now(datetime.timezone.utc)
out = []
for i in range(1, int(sys.argv[3]) + 1):
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mozcert crash"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Crash CA %d" % i)])
    c = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now)
         .not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .sign(key, hashes.SHA256()))
    out.append(c.public_bytes(serialization.Encoding.PEM))
open(sys.argv[2], "wb").write(b"".join(out))
PY
then
	: >"$W/bundle.pem"
	for i in $(seq 1 500); do
		openssl req -x509 -key "$W/key.pem" -subj "/O=mozcert crash/CN=Crash CA $i" -days 3650 \
			-addext basicConstraints=critical,CA:true 2>/dev/null >>"$W/bundle.pem"
	done
fi

PYTHONPATH="$SRCDIR/tests${PYTHONPATH:+:$PYTHONPATH}" python3 - "$MOZCERT" "$POINTS" "$W" "$SRCDIR/tests/fixtures" "${CRASH_TAP:-0}" \
	"${CRASH_COMMANDS:-import trust repair upgrade override pref restore hotjournal rootowned}" <<'PY'
import os, shlex, shutil, signal, subprocess, sys, time
from sweeplib import NSS, copy_profile, is_temp, say, snapshot
import sweeplib

mozcert, points, work, fix, tap, which = sys.argv[1:]
points, tap, which = int(points), tap == "1", which.split()
stage = os.environ["MOZCERT_STAGE_DIR"]
use_strace = os.environ.get("CRASH_STRACE", "1") == "1" and shutil.which("strace") is not None
strace_calls = os.environ.get("CRASH_STRACE_CALLS", "rename unlink").split()


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def moz(profile, *args):
    return run([mozcert, "-p", profile] + list(args))


def listing(d):
    return sweeplib.listing(d, os.path.join(work, "scratch"))


def trusts(lst):
    return dict(l.split("\t") for l in lst)


def stage_leftovers():
    return [x for x in os.listdir(stage) if x.startswith("mozcert-stage-")]


# ---- base profiles ----
leaf = os.path.join(fix, "certs", "leaf.pem")
bundle = os.path.join(work, "bundle.pem")
base_empty = os.path.join(work, "base-empty")
os.makedirs(base_empty)
assert run(["certutil", "-N", "-d", "sql:" + base_empty, "--empty-password"]).returncode == 0
open(os.path.join(base_empty, "compatibility.ini"), "w").write(
    "[Compatibility]\nLastVersion=153.0.1_20260101000000/20260101000000\nLastOSABI=Linux_x86_64-gcc3\n")
open(os.path.join(base_empty, "prefs.js"), "w").write(
    '// Mozilla User Preferences\n\nuser_pref("browser.startup.page", 3);\nuser_pref("zz.crash", 1);\n')
r = moz(base_empty, "override", "add", "old.example:8443", "--cert", leaf)
assert r.returncode == 0, r.stderr
shutil.rmtree(os.path.join(base_empty, "mozcert-backups"), ignore_errors=True)
base500 = os.path.join(work, "base-500")
copy_profile(base_empty, base500)
r = moz(base500, "cert", "import", "--trust", "C,,", bundle)
assert r.returncode == 0, r.stderr
shutil.rmtree(os.path.join(base500, "mozcert-backups"), ignore_errors=True)
base_pgo = os.path.join(work, "base-pgo")
copy_profile(os.path.join(fix, "real", "mozilla-pgo-certs"), base_pgo)

# restore: the backup of a db upgrade (cert8.db, key3.db and secmod.db back, cert9.db and key4.db gone),
# five files in one swap; 'latest' as a retry types it.
base_restore = os.path.join(work, "base-restore")
copy_profile(base_pgo, base_restore)
r = moz(base_restore, "db", "upgrade")
assert r.returncode == 0, r.stderr
# hotjournal: the 500-certificate store with the journal of a transaction the application did not finish
# (every row deleted, spilled to the file): the store as SQLite rolls it back is the 500 certificates.
base_hot = os.path.join(work, "base-hot")
copy_profile(base500, base_hot)
r = run([sys.executable, os.path.join(os.path.dirname(fix), "make-hot-journal.py"), os.path.join(base_hot, "cert9.db")])
assert os.path.getsize(os.path.join(base_hot, "cert9.db-journal")) > 0

OWNER = 12345
COMMANDS = {
    "import": ("cert import of 500 certificates", base_empty, ["cert", "import", "--trust", "C,,", bundle]),
    "trust": ("cert trust", base500, ["cert", "trust", "Crash CA 250 - mozcert crash", "CT,C,C"]),
    "repair": ("db repair", base500, ["db", "repair"]),
    "upgrade": ("db upgrade", base_pgo, ["db", "upgrade"]),
    "override": ("override add", base_empty, ["override", "add", "crash.example:443", "--cert", leaf]),
    "pref": ("pref set", base_empty, ["pref", "set", "zz.crash", "42"]),
    "restore": ("db restore of an upgrade's backup", base_restore, ["db", "restore", "latest"]),
    "hotjournal": ("cert trust beside a hot journal", base_hot, ["cert", "trust", "Crash CA 250 - mozcert crash", "CT,C,C"]),
    # root acting on a profile of uid 12345 (only when the sweep runs as root): on top of the usual
    # checks, everything in the profile must still be the owner's after a kill and the re-run
    "rootowned": ("cert trust by root in a profile of uid %d" % OWNER, base500,
                  ["cert", "trust", "Crash CA 250 - mozcert crash", "CT,C,C"]),
}
OWNED = {"rootowned"}
if os.geteuid() != 0:
    which = [k for k in which if k not in OWNED]
else:
    # the owner must reach the profiles and the staging area, as in a home directory
    os.chmod(work, 0o711)
    os.chmod(stage, 0o1777)


def prepare(key, d):
    """the profile copy d as the command key wants it (owned by OWNER for the root-owned case)"""
    if key in OWNED:
        for root, dirs, files in os.walk(d):
            for x in [root] + [os.path.join(root, f) for f in dirs + files]:
                os.lchown(x, OWNER, OWNER)


def not_owned(d):
    """files of d (backups included) that are not the owner's"""
    out = []
    for root, dirs, files in os.walk(d):
        for x in [root] + [os.path.join(root, f) for f in dirs + files]:
            if os.lstat(x).st_uid != OWNER:
                out.append(os.path.relpath(x, d))
    return out

total_points = total_half = total_killed = 0
results = []

for key in which:
    label, base, args = COMMANDS[key]
    before = snapshot(base)
    before_list = listing(base)
    # the after state, and the run time (median of three uninterrupted runs)
    durations, after, after_list, ref_rc = [], None, None, None
    for i in range(int(os.environ.get("CRASH_REFRUNS", "3"))):
        ref = os.path.join(work, "ref")
        copy_profile(base, ref)
        prepare(key, ref)
        t0 = time.monotonic()
        r = moz(ref, *args)
        durations.append(time.monotonic() - t0)
        if i == 0:
            ref_rc = r.returncode
            after = snapshot(ref)
            after_list = listing(ref)
            ref_rc2 = moz(ref, *args).returncode
    duration = sorted(durations)[len(durations) // 2]
    ok_rcs = {ref_rc, ref_rc2}
    both_trusted = {n for n, t in trusts(before_list[1]).items()
                    if t != ",," and trusts(after_list[1]).get(n, ",,") != ",,"}
    say("# %s: %.3f s uninterrupted (exit %d), %d kill points, before %d / after %d certificates" % (
        label, duration, ref_rc, points, len(before_list[1]), len(after_list[1])))
    half = 0
    killed = 0
    temps_after_list = 0
    leaks = 0

    def problems(d, phase):
        """half-state descriptions of the profile d ('killed': just after the kill; 'recovered')"""
        cur = snapshot(d)
        errs = []
        journal = ".mozcert-journal" in cur
        for name in sorted(set(before) | set(after) | set(cur)):
            if name in NSS:
                continue
            if is_temp(name):
                if phase == "recovered" and name in cur:
                    errs.append("%s left after recovery" % name)
                continue
            if cur.get(name) != before.get(name) and cur.get(name) != after.get(name):
                errs.append("%s is neither its before nor its after bytes (%s)" % (
                    name, "absent" if name not in cur else "%d bytes" % len(cur[name])))
        others = {n: v for n, v in cur.items() if n not in NSS and not is_temp(n)}
        whole = "before" if others == {n: v for n, v in before.items() if n not in NSS} else \
            "after" if others == {n: v for n, v in after.items() if n not in NSS} else "mixed"
        pair = tuple(cur.get(n) for n in NSS)
        if pair != tuple(before.get(n) for n in NSS):
            if journal and phase == "killed":
                return errs, "store-pending/files-" + whole
            rc, lst = listing(d)
            if rc != 0:
                errs.append("certutil -L fails (exit %d) on a changed store" % rc)
            elif lst != after_list[1]:
                extra = sorted(set(lst) ^ set(after_list[1]))[:3]
                errs.append("store changed but its listing is not the after listing (%d vs %d entries; e.g. %s)" % (
                    len(lst), len(after_list[1]), extra))
            t = trusts(lst)
            lost = sorted(n for n in both_trusted if t.get(n) == ",,")
            if lost:
                errs.append("inconsistent pair: %d certificates trusted before and after show ',,' (e.g. %s)" % (
                    len(lost), lost[0]))
            return errs, "store-after/files-" + whole
        # the pair is byte-identical to the before pair: certutil -L gives the before listing and status
        return errs, "store-before/files-" + whole

    plans = [("time", k) for k in range(1, points + 1)]
    d = os.path.join(work, "p")
    if use_strace and key in os.environ.get("CRASH_STRACE_COMMANDS", key).split():
        # deterministic extra kill points: at each rename and each unlink of a profile file (strace injects
        # SIGKILL on entry to the n-th such call), where the evenly spread ones rarely land
        copy_profile(base, d)
        prepare(key, d)
        log = os.path.join(work, "strace.log")
        run(["strace", "-f", "-qq", "-o", log, "-e", "trace=" + ",".join(strace_calls)] + [mozcert, "-p", d] + args)
        counts = {sc: 0 for sc in strace_calls}
        for line in open(log):
            for sc in counts:
                if (" %s(" % sc) in line and "resumed>" not in line:
                    counts[sc] += 1
                    if ('"%s/' % d) in line:
                        plans.append((sc, counts[sc]))
    for kind, k in plans:
        copy_profile(base, d)
        prepare(key, d)
        for x in stage_leftovers():
            shutil.rmtree(os.path.join(stage, x), ignore_errors=True)
        report_pre = []
        if kind == "time":
            at = (k - 0.5) / points * duration
            t0 = time.monotonic()
            proc = subprocess.Popen([mozcert, "-p", d] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = at - (time.monotonic() - t0)
            if delay > 0:
                time.sleep(delay)
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            rc = proc.wait()
            where = "k=%d/%d, kill at %.3f s" % (k, points, at)
            how = "SIGKILL after %.3f s" % at
        else:
            inject = "inject=%s:signal=KILL:when=%d" % (kind, k)
            rc = run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + kind, "-e", inject,
                      mozcert, "-p", d] + args).returncode
            rc = -signal.SIGKILL if rc in (137, -signal.SIGKILL) else rc
            if rc != -signal.SIGKILL:
                report_pre = ["strace did not kill the command (exit %d): the injection failed" % rc]
            where = "at %s #%d" % (kind, k)
            how = "strace -f -e trace=%s -e %s" % (kind, inject)
        was_killed = rc == -signal.SIGKILL
        killed += was_killed
        report = report_pre
        errs, state = problems(d, "killed")
        report += ["after the kill: " + e for e in errs]
        r = moz(d, "cert", "list")
        if r.returncode >= 128 or r.returncode < 0:
            report.append("recovery 'cert list' crashed (%d)" % r.returncode)
        errs2, state2 = problems(d, "recovered")
        report += ["after 'cert list': " + e for e in errs2]
        # re-run: completes as an uninterrupted run does, and reaches the after state
        r = moz(d, *args)
        if r.returncode not in ok_rcs:
            report.append("re-run exit %d (uninterrupted: %s): %s" % (
                r.returncode, sorted(ok_rcs), r.stderr.decode(errors="replace").strip()[-200:]))
        # The killed run's staging directory is swept by the next writer (its PID is dead).
        stale = stage_leftovers()
        leaks += len(stale)
        if stale:
            report.append("staging directories left after the re-run: %s" % stale)
        if key in OWNED and not_owned(d):
            report.append("not the owner's after the re-run: %s" % not_owned(d)[:5])
        cur = snapshot(d)
        left = sorted(n for n in cur if is_temp(n))
        if left:
            report.append("temporary files left after the re-run: %s" % left)
        for name in sorted(set(after) | set(cur)):
            if name not in NSS and not is_temp(name) and cur.get(name) != after.get(name):
                report.append("after the re-run %s differs from the after state" % name)
        if tuple(cur.get(n) for n in NSS) != tuple(before.get(n) for n in NSS) or before_list != after_list:
            if listing(d) != after_list:
                report.append("after the re-run the store does not list as the after state")
        tag = "%s %s (%s, state %s->%s)" % (
            label, where, "killed" if was_killed else "exit %d first" % rc, state, state2)
        if report:
            half += 1
            say("# HALF-STATE %s" % tag)
            for line in report:
                say("#   " + line)
            say("#   reproduce: on a copy of the base profile P: %s mozcert -p P %s" % (how, shlex.join(args)))
        elif not tap:
            say("# ok %s" % tag)
    total_points += len(plans)
    total_half += half
    total_killed += killed
    line = ("%s: %d kill points (%d evenly spread, %d at renames/unlinks; %d killed mid-run, %d finished first), "
            "%d half-states, %d staging dirs left after the re-run") % (
        label, len(plans), points, len(plans) - points, killed, len(plans) - killed, half, leaks)
    say(("PASS " if half == 0 else "FAIL ") + line if tap else line)
say("crash-sweep: %d kill points (%d mid-run), %d half-states" % (total_points, total_killed, total_half))
sys.exit(1 if total_half else 0)
PY
