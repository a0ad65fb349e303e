# SPDX-License-Identifier: MPL-2.0
# Shared by the mozcert modules: the options that choose the profiles, running
# `mozcert --json ...` (with --dry-run in check mode), and reading its document.
# Needs nothing beyond ansible-core and the mozcert binary.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# The options every module takes: which profiles, which binary.
TARGET_ARGS = dict(
    profile=dict(type='str'),
    app=dict(type='str', choices=['firefox', 'thunderbird', 'seamonkey']),
    all_profiles=dict(type='bool', default=False),
    all_users=dict(type='bool', default=False),
    users=dict(type='list', elements='str', default=[]),
    password_file=dict(type='path', no_log=False),
    force=dict(type='bool', default=False),
    mozcert=dict(type='str', default='mozcert'),
)

TARGET_EXCLUSIVE = [['profile', 'all_profiles', 'all_users']]


def target_argv(module):
    """The mozcert binary and the global options of the module's parameters."""
    p = module.params
    binary = p['mozcert']
    if '/' not in binary:
        binary = module.get_bin_path(binary, required=True)
    argv = [binary, '--json']
    if module.check_mode:
        argv.append('--dry-run')
    if p['profile']:
        argv += ['--profile', p['profile']]
    if p['app']:
        argv += ['--app', p['app']]
    if p['all_profiles']:
        argv.append('--all-profiles')
    if p['all_users']:
        argv.append('--all-users')
    for u in p['users']:
        argv += ['--user', u]
    if p['password_file']:
        argv += ['--password-file', p['password_file']]
    if p['force']:
        argv.append('--force')
    return argv


def error_message(doc):
    """mozcert's own words for the failure: the top-level error, else each failed profile's."""
    err = doc.get('error')
    if err and err.get('message'):
        return err['message']
    msgs = []
    for r in doc.get('results', []):
        e = r.get('error')
        if e and e.get('message'):
            where = (r.get('profile') or {}).get('path')
            msgs.append('%s: %s' % (where, e['message']) if where else e['message'])
    return '; '.join(msgs) or 'mozcert failed'


def run(module, argv):
    """Run mozcert; return its JSON document, or fail the task with mozcert's message."""
    rc, out, err = module.run_command(argv, environ_update={'LC_ALL': 'C.UTF-8'})
    try:
        doc = json.loads(out)
    except ValueError:
        module.fail_json(msg='mozcert printed no JSON document: %s' % (err.strip() or out.strip()),
                         rc=rc, cmd=argv, stdout=out, stderr=err)
    if rc != 0 or not doc.get('ok', False):
        module.fail_json(msg=error_message(doc), rc=rc, cmd=argv, results=doc.get('results', []),
                         stderr=err)
    return doc


def profile_path(result):
    return (result.get('profile') or {}).get('path') or ''


def finish(module, doc, would_change, before, after):
    """Exit with `changed` from mozcert (from what it would do under check mode) and a diff."""
    changed = bool(doc.get('changed'))
    if module.check_mode:
        changed = any(would_change(r) for r in doc.get('results', []))
    result = dict(changed=changed, results=doc.get('results', []))
    if module._diff:
        result['diff'] = dict(before=before, after=after)
    module.exit_json(**result)
