#!/usr/bin/python
# SPDX-License-Identifier: MPL-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mozcert_pref
short_description: Prefs (prefs.js, user.js) of Firefox, Thunderbird and SeaMonkey profiles
description:
  - Runs C(mozcert --json pref set|unset) on one profile, every profile of the user or every
    profile of every user; the file is written as the application writes it.
  - A user.js value, a policy or a locked pref that would override the change fails the task
    with mozcert's reason, and nothing is written.
  - C(changed) is mozcert's; check mode runs mozcert with C(--dry-run); diff mode shows the
    value the application will see before and after.
options:
  name:
    description: The pref's name.
    type: str
    required: true
  value:
    description: The value (required for C(present)); YAML booleans and integers keep their type.
    type: raw
  type:
    description: bool, int or string (default the default's type, else as the value reads).
    type: str
    choices: [bool, int, string]
  state:
    description: C(present) sets the pref; C(absent) resets it to its default (C(pref unset)).
    type: str
    choices: [present, absent]
    default: present
  user_js:
    description: Change user.js too where it sets the pref.
    type: bool
  discard_invalid:
    description: Rewrite a prefs.js with syntax errors without the bad statements.
    type: bool
extends_documentation_fragment:
  - mozcert.fleet.target
'''

EXAMPLES = r'''
- name: OCSP hard-fail in every profile of every user
  mozcert.fleet.mozcert_pref:
    name: security.OCSP.require
    value: true
    all_users: true
'''

RETURN = r'''
results:
  description: mozcert's C(results), one object per profile (docs/json.md).
  returned: always
  type: list
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mozcert.fleet.plugins.module_utils.mozcert import (
    TARGET_ARGS, TARGET_EXCLUSIVE, finish, profile_path, run, target_argv)


def value_text(v):
    """The VALUE operand: YAML true/false as the pref syntax spells them, numbers as digits."""
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


def value_lines(doc):
    before, after = [], []
    for r in doc.get('results', []):
        for c in r.get('prefs', []):
            for side, out in (('before', before), ('after', after)):
                obj = c.get(side) or {}
                out.append('%s %s = %s (%s)\n' % (profile_path(r), c.get('name'),
                                                  json.dumps(obj.get('value')), obj.get('source')))
    return ''.join(before), ''.join(after)


def would_change(r):
    return any(c.get('prefs_js_changed') or c.get('user_js_changed') for c in r.get('prefs', []))


def main():
    args = dict(
        name=dict(type='str', required=True),
        value=dict(type='raw'),
        type=dict(type='str', choices=['bool', 'int', 'string']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        user_js=dict(type='bool', default=False),
        discard_invalid=dict(type='bool', default=False),
    )
    args.update(TARGET_ARGS)
    module = AnsibleModule(argument_spec=args, supports_check_mode=True,
                           mutually_exclusive=TARGET_EXCLUSIVE,
                           required_if=[('state', 'present', ['value'])])
    p = module.params
    opts = (['--user-js'] if p['user_js'] else []) + (['--discard-invalid'] if p['discard_invalid'] else [])
    if p['state'] == 'present':
        kind = p['type']
        if kind is None and isinstance(p['value'], bool):
            kind = 'bool'
        elif kind is None and isinstance(p['value'], int):
            kind = 'int'
        opts += ['--type', kind] if kind else []
        argv = ['pref', 'set'] + opts + ['--', p['name'], value_text(p['value'])]
    else:
        argv = ['pref', 'unset'] + opts + ['--', p['name']]
    doc = run(module, target_argv(module) + argv)
    before, after = value_lines(doc)
    finish(module, doc, would_change, before, after)


if __name__ == '__main__':
    main()
