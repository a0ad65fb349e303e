# SPDX-License-Identifier: MPL-2.0
# The options every mozcert.fleet module shares: which profiles it acts on
# (module_utils/mozcert.py TARGET_ARGS), documented once.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  profile:
    description: A profile name from profiles.ini or a profile directory (else the default profile).
    type: str
  app:
    description: Only the profiles of this application.
    type: str
    choices: [firefox, thunderbird, seamonkey]
  all_profiles:
    description: Every profile of the user (of I(app), or of every application).
    type: bool
    default: false
  all_users:
    description: Every profile of every user and of /etc/skel (root only; each write made as the owner).
    type: bool
    default: false
  users:
    description: With I(all_users), only these users.
    type: list
    elements: str
  password_file:
    description: A file holding the store's Primary Password.
    type: path
  force:
    description: Act on a profile whose application is running.
    type: bool
    default: false
  mozcert:
    description: The mozcert binary (a name looked up in PATH, or a path).
    type: str
    default: mozcert
'''
