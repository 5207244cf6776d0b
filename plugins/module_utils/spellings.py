# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rule for the spellings of fixed option values (pure Python, no Ansible imports).

The REST API, the Azure CLI and the service's own seed files spell values their way (V(Offline),
V(ValidateAndMigrate), V(VerifyFull), V(validate-and-migrate)); the modules document snake_case
values. A value matches a documented one when both are equal ignoring case and the separators
``-``, ``_`` and space; a few values the service spells differently are listed in ALIASES. Every
module option with ``choices`` (module.SpellingModule) and the properties-file reader use this rule, so results keep the
documented spelling whatever was given.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import difflib

from ansible_collections.pgflex.migration.plugins.module_utils.states import CANCELLED_STATE

_SEPARATORS = str.maketrans('', '', '-_ ')

# Documented value -> other spellings the rule above does not catch: the service's name of the cancelled state
# (American spelling) for the documented 'cancelled', from the states table.
ALIASES = {'cancelled': (CANCELLED_STATE,)}


def spelling_key(value):
    """What two spellings of one value have in common: lowercase, without separators."""
    return str(value).strip().lower().translate(_SEPARATORS)


def matching_choice(value, choices):
    """The documented value of ``choices`` that ``value`` spells, or None."""
    if not isinstance(value, str):
        return None
    wanted = spelling_key(value)
    for choice in choices:
        spellings = (choice,) + ALIASES.get(choice, ())
        if any(spelling_key(spelling) == wanted for spelling in spellings):
            return choice
    return None


def normalise_choices(params, argument_spec):
    """Replace each given value of an option with ``choices`` by the documented value it spells (in place).

    Unknown values are left for AnsibleModule, whose message lists the choices.
    """
    for option, spec in argument_spec.items():
        choices = spec.get('choices')
        value = params.get(option)
        if choices and isinstance(value, str):
            params[option] = matching_choice(value, choices) or value
        elif spec.get('options') and isinstance(value, dict):
            normalise_choices(value, spec['options'])


def closest_name(name, known, prefix=''):
    """The name of ``known`` closest to ``name`` (case-insensitive), for a "did you mean" hint; None when none is close.

    ``prefix``: a start all the known names share (a role's variables), left out of the comparison: it would make
    every name look close.
    """
    def stem(text):
        text = str(text).lower()
        return text[len(prefix):] if prefix and text.startswith(prefix) else text
    stems = dict((stem(option), option) for option in known if str(option).lower().startswith(prefix))
    match = difflib.get_close_matches(stem(name), sorted(stems), n=1, cutoff=0.6)
    return stems[match[0]] if match else None
