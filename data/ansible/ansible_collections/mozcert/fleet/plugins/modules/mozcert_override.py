#!/usr/bin/python
# SPDX-License-Identifier: MPL-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mozcert_override
short_description: Security exceptions (cert_override.txt) of Firefox, Thunderbird and SeaMonkey profiles
description:
  - Runs C(mozcert --json override add|remove) on one profile, every profile of the user or
    every profile of every user. The line is written in the format the profile's application
    version reads.
  - C(changed) is mozcert's; check mode runs mozcert with C(--dry-run); diff mode shows the
    lines of cert_override.txt removed and written.
options:
  host:
    description: HOST or HOST:PORT (port 443 unless I(port) or a port in I(host)).
    type: str
    required: true
  port:
    description: The port, when not in I(host).
    type: int
  state:
    description: C(present) adds or replaces the exception; C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  cert:
    description: The server's certificate (PEM or DER; the first one of the file).
    type: path
  fetch:
    description: Take the certificate the server sends (TLS, or STARTTLS by port).
    type: bool
  starttls:
    type: str
    description: With I(fetch), imap, pop3, smtp, ldap or none.
  timeout:
    description: With I(fetch), seconds each network step may take.
    type: int
  bits:
    type: str
    description: The overridden errors (M mismatch, U untrusted, T time); computed when omitted.
  origin:
    type: str
    description: Origin attributes, C(^key=value&...), or C(default).
  format:
    type: str
    description: The era of cert_override.txt to write (A, B, C or D; default the application's).
extends_documentation_fragment:
  - mozcert.fleet.target
'''

EXAMPLES = r'''
- name: Accept the intranet server's self-signed certificate in every profile
  mozcert.fleet.mozcert_override:
    host: intranet.example.org:8443
    cert: /etc/ssl/intranet.pem
    all_profiles: true
'''

RETURN = r'''
results:
  description: mozcert's C(results), one object per profile (docs/json.md).
  returned: always
  type: list
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mozcert.fleet.plugins.module_utils.mozcert import (
    TARGET_ARGS, TARGET_EXCLUSIVE, finish, profile_path, run, target_argv)


def change_lines(doc):
    before, after = [], []
    for r in doc.get('results', []):
        for c in r.get('changes') or []:
            if c.get('old') is not None:
                before.append('%s: %s\n' % (profile_path(r), c['old']))
            if c.get('new') is not None:
                after.append('%s: %s\n' % (profile_path(r), c['new']))
    return ''.join(before), ''.join(after)


def would_change(r):
    return bool(r.get('changes'))


def add_argv(p):
    argv = ['override', 'add']
    if p['cert']:
        argv += ['--cert', p['cert']]
    if p['fetch']:
        argv.append('--fetch')
    for opt in ('starttls', 'timeout', 'format', 'origin'):
        if p[opt] is not None:
            argv += ['--' + opt, str(p[opt])]
    if p['bits'] is not None:
        argv.append('--bits=' + p['bits'])
    return argv


def main():
    args = dict(
        host=dict(type='str', required=True),
        port=dict(type='int'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        cert=dict(type='path'),
        fetch=dict(type='bool', default=False),
        starttls=dict(type='str'),
        timeout=dict(type='int'),
        bits=dict(type='str'),
        origin=dict(type='str'),
        format=dict(type='str', choices=['A', 'B', 'C', 'D']),
    )
    args.update(TARGET_ARGS)
    module = AnsibleModule(argument_spec=args, supports_check_mode=True,
                           mutually_exclusive=TARGET_EXCLUSIVE + [['cert', 'fetch']],
                           required_if=[('state', 'present', ['cert', 'fetch'], True)])
    p = module.params
    target = p['host'] if p['port'] is None else '%s:%d' % (p['host'], p['port'])
    if p['state'] == 'present':
        argv = add_argv(p)
    else:
        argv = ['override', 'remove'] + (['--origin', p['origin']] if p['origin'] else [])
    doc = run(module, target_argv(module) + argv + ['--', target])
    before, after = change_lines(doc)
    finish(module, doc, would_change, before, after)


if __name__ == '__main__':
    main()
