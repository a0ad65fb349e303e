#!/usr/bin/python
# SPDX-License-Identifier: MPL-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mozcert_cert
short_description: CA certificates in the NSS stores of Firefox, Thunderbird and SeaMonkey profiles
description:
  - Runs C(mozcert --json cert import|trust|remove|sync) on one profile, every profile of
    the user (I(all_profiles)) or every profile of every user (I(all_users), as root).
  - C(changed) is mozcert's; check mode runs mozcert with C(--dry-run); diff mode shows
    each certificate's trust before and after.
options:
  state:
    description:
      - C(present) imports the certificates of I(path) (C(cert import)), or sets the trust of
        the certificate I(name) when no I(path) is given (C(cert trust)).
      - C(absent) removes the certificate I(name) (nickname or SHA-256), or every certificate
        of the PEM/DER files of I(path).
      - C(sync) makes the set of CAs managed under I(label) equal to I(path) (C(cert sync));
        imports, corrects trust and withdraws the CAs that left I(path).
    type: str
    choices: [present, absent, sync]
    default: present
  path:
    description: Certificate files or directories (PEM, DER, PKCS#7, bundles).
    type: list
    elements: path
  name:
    type: str
    description: A nickname or SHA-256 fingerprint (absent, or present without I(path)).
  trust:
    type: str
    description: Trust as certutil spells it, e.g. C(C,,). Default C(,,) for present, C(C,,) for sync.
  label:
    type: str
    description: The set C(sync) manages (default C(default)).
extends_documentation_fragment:
  - mozcert.fleet.target
'''

EXAMPLES = r'''
- name: The company CAs, and only those, in every profile of every user
  mozcert.fleet.mozcert_cert:
    state: sync
    path: /usr/local/share/corp-cas
    label: corp
    trust: C,,
    all_users: true

- name: No profile of this user keeps the old proxy CA
  mozcert.fleet.mozcert_cert:
    state: absent
    name: "old proxy CA"
    all_profiles: true
'''

RETURN = r'''
results:
  description: mozcert's C(results), one object per profile (docs/json.md).
  returned: always
  type: list
'''

import base64
import hashlib
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mozcert.fleet.plugins.module_utils.mozcert import (
    TARGET_ARGS, TARGET_EXCLUSIVE, finish, profile_path, run, target_argv)

PEM_RE = re.compile(rb'-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----(.*?)-----END', re.S)


def file_fingerprints(module, path):
    """SHA-256 of each certificate of a PEM or DER file (what `cert remove` takes)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except (IOError, OSError) as e:
        module.fail_json(msg='%s: %s' % (path, e))
    blocks = PEM_RE.findall(data)
    ders = [base64.b64decode(b''.join(b.split())) for b in blocks] if blocks else [data]
    if not data.strip() or (not blocks and not data.startswith(b'\x30')):
        module.fail_json(msg='%s: no PEM or DER certificate' % path)
    return [hashlib.sha256(d).hexdigest().upper() for d in ders]


def keys_to_remove(module):
    p = module.params
    if p['name']:
        return [p['name']]
    keys = []
    for path in p['path']:
        keys += [k for k in file_fingerprints(module, path) if k not in keys]
    return keys


def trust_lines(doc):
    """One 'PROFILE NICKNAME: TRUST' line per certificate, before and after the run."""
    before, after = [], []
    for r in doc.get('results', []):
        for c in r.get('certificates', []):
            who = '%s %s' % (profile_path(r), c.get('nickname') or c.get('sha256'))
            if c.get('status') != 'added':
                before.append('%s: %s\n' % (who, c.get('previous_trust')))
            if c.get('status') != 'removed':
                after.append('%s: %s\n' % (who, c.get('trust')))
    return ''.join(before), ''.join(after)


def would_change(r):
    return bool(r.get('record_changed')) or any(
        c.get('status') != 'unchanged' for c in r.get('certificates', []))


def merge(docs):
    """The documents of several `cert remove` runs as one: results side by side."""
    out = dict(changed=any(d.get('changed') for d in docs), results=[])
    for d in docs:
        out['results'] += d.get('results', [])
    return out


def main():
    args = dict(
        state=dict(type='str', default='present', choices=['present', 'absent', 'sync']),
        path=dict(type='list', elements='path', default=[]),
        name=dict(type='str'),
        trust=dict(type='str'),
        label=dict(type='str'),
    )
    args.update(TARGET_ARGS)
    module = AnsibleModule(argument_spec=args, supports_check_mode=True,
                           mutually_exclusive=TARGET_EXCLUSIVE + [['name', 'path']],
                           required_if=[('state', 'sync', ['path'])])
    p = module.params
    base = target_argv(module)
    if p['label'] and p['state'] != 'sync':
        module.fail_json(msg='label applies to state=sync only')
    if p['state'] == 'sync':
        argv = base + ['cert', 'sync'] + (['--trust', p['trust']] if p['trust'] else [])
        argv += (['--label', p['label']] if p['label'] else []) + ['--'] + p['path']
        doc = run(module, argv)
    elif p['state'] == 'present' and p['path']:
        argv = base + ['cert', 'import'] + (['--trust', p['trust']] if p['trust'] else []) + ['--'] + p['path']
        doc = run(module, argv)
    elif p['state'] == 'present':
        if not p['name'] or not p['trust']:
            module.fail_json(msg='state=present needs path, or name and trust')
        doc = run(module, base + ['cert', 'trust', '--', p['name'], p['trust']])
    else:
        if not p['name'] and not p['path']:
            module.fail_json(msg='state=absent needs name or path')
        doc = merge([run(module, base + ['cert', 'remove', '--', k]) for k in keys_to_remove(module)])
    before, after = trust_lines(doc)
    finish(module, doc, would_change, before, after)


if __name__ == '__main__':
    main()
