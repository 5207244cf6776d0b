# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text pieces shared by the per-host report (host_report.py) and the fleet report (fleet_render.py): Markdown
table cells and tables, durations, and writing a report file so a reader never sees half of it.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import json
import os
import tempfile

from ansible_collections.pgflex.migration.plugins.module_utils import states


def duration_text(seconds):
    """65 -> '1m05s'; None -> '-'."""
    if seconds is None:
        return '-'
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return '%dh%02dm%02ds' % (hours, minutes, secs) if hours else ('%dm%02ds' % (minutes, secs) if minutes else '%ds' % secs)


def cell(value):
    """Text from the service or the user as one Markdown table cell: a '|' or a line break would end the cell."""
    return str(value if value not in (None, '') else '-').replace('|', '\\|').replace('\r', '').replace('\n', '<br>')


def table(headers, rows):
    """Markdown table lines; the cells of rows are Markdown already (pass service or user text through cell())."""
    lines = ['| %s |' % ' | '.join(headers), '|%s|' % '|'.join([' --- '] * len(headers))]
    lines.extend('| %s |' % ' | '.join(str(c) for c in row) for row in rows)
    return lines


def write_atomically(path, text, mode=None):
    """Write text to path through a temporary file in the same directory, renamed over path at the end: a reader
    (or a run that stops half-way) sees the old file or the new one, never a part. mode: permission bits, or None
    for what a new file gets under the umask."""
    directory = os.path.dirname(path) or '.'
    handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            stream.write(text)
        if mode is None:  # mkstemp made it private (0600); a plain new file would follow the umask
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# The option naming a fleet page's directory (docs: the pgflex.migration.fleet_page fragment).
FLEET_PAGE_SPEC = {'dest': dict(type='path', required=True)}


def report_files(dest, stem):
    """Paths of a fleet page's three files in ``dest``: {markdown, json, html} as <stem>.md, .json and .html."""
    return dict((kind, os.path.join(dest, '%s.%s' % (stem, ext))) for kind, ext in (('markdown', 'md'), ('json', 'json'), ('html', 'html')))


def write_report_files(files, summary, render):
    """Write ``summary`` as JSON and as ``render``'s Markdown and HTML (a module with markdown() and html()) into
    ``files`` (report_files), creating their directory when missing."""
    os.makedirs(os.path.dirname(files['json']) or '.', exist_ok=True)
    write_atomically(files['json'], json.dumps(summary, indent=2, sort_keys=True) + '\n')
    write_atomically(files['markdown'], render.markdown(summary))
    write_atomically(files['html'], render.html(summary))


# A run that only planned (its report's result) migrated nothing: what the steps after the migration say about it.
NOTHING_MIGRATED = {states.CHECK_MODE: 'check mode: nothing was migrated',
                    states.ASSESSED: 'assessment only: nothing was migrated'}


def not_run_text(report, requested, option):
    """'Not run (why).' for a step of a role run that has no result: the run only planned (NOTHING_MIGRATED), stopped
    before the step, or ``option`` (the role variable that asks for the step) was false."""
    why = NOTHING_MIGRATED.get(report.get('result')) or (
        'the workflow stopped before it' if requested else '%s is false' % option)
    return 'Not run (%s).' % why
