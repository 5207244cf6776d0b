#!/usr/bin/env python
"""Run or check every ```yaml and shell block of the documentation, as its marker line says.

The line right before a block's opening fence must be one of
    <!-- snippet: run -->                 run it against the sandbox
    <!-- snippet: run file=NAME -->       (yaml) save it as NAME in the page's directory; a later block uses it
    <!-- snippet: syntax: <why> -->       needs real Azure: YAML parse, ansible-playbook --syntax-check, bash -n
    <!-- snippet: skip: <why> -->         output, fragments: not checked
A block without a marker fails, naming its file and line, so a new page cannot rot silently.

The run blocks of one page share one fresh private directory (mode 700, its own HOME), in page order, so a page
that saves a playbook and then runs it works as a reader following it would. That directory holds
`pgflex.migration`, the collection's source, where a reader has cloned it. Shell blocks run with `bash -e` after
sourcing the sandbox's env file; the collection is only visible to them where the page installs it. Playbooks
run or syntax-checked by this script see this checkout's collection (ANSIBLE_COLLECTIONS_PATH).

    scripts/doc_snippets.py --sandbox-env .sandbox/env      run, check, count (scripts/test-all.sh --only doc-snippets)
    scripts/doc_snippets.py --no-run                        markers and syntax only, no sandbox needed
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ('README.md', 'docs/*.md', 'roles/*/README.md')
SHELL = {'bash', 'sh', 'shell'}
YAML = {'yaml', 'yml'}
FENCE = re.compile(r'^(\s*)(`{3,}|~{3,})\s*([\w+-]*)')
MARKER = re.compile(r'^\s*<!--\s*snippet:\s*(run|syntax|skip)\b\s*(.*?)\s*-->\s*$')
RUN_OPTION = re.compile(r'^file=([\w.-]+)$')
BLOCK_TIMEOUT = 600
# Nothing of the caller's Ansible setup leaks into a page's shell blocks: they see what the page sets up.
PRIVATE_ENV = ('ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_COLLECTIONS_PATHS', 'ANSIBLE_CONFIG')


class Block:  # pylint: disable=too-few-public-methods
    def __init__(self, page, line, lang, text, marker):
        self.page, self.line, self.lang, self.text, self.marker = page, line, lang, text, marker

    @property
    def where(self):
        return '%s:%d' % (self.page, self.line)


def blocks_of(page):
    """Every fenced block of a page as Block (line = the opening fence's line number; marker = the line before)."""
    with open(os.path.join(ROOT, page), encoding='utf-8') as handle:
        lines = handle.read().split('\n')
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        indent, fence, lang = len(match.group(1)), match.group(2), match.group(3).lower()
        end = index + 1
        while end < len(lines) and not (lines[end].strip().startswith(fence) and not lines[end].strip().strip(fence[0])):
            end += 1
        body = [line[indent:] if line[:indent].strip() == '' else line for line in lines[index + 1:end]]
        yield Block(page, index + 1, lang, '\n'.join(body) + '\n', lines[index - 1] if index else '')
        index = end + 1


def parse_marker(block):
    """(mode, reason or file name) or raise ValueError with what to write."""
    match = MARKER.match(block.marker)
    if not match:
        raise ValueError('```%s block has no snippet marker on the line before it: add <!-- snippet: run -->, '
                         '<!-- snippet: syntax: <why it needs real Azure> --> or <!-- snippet: skip: <why> -->' % block.lang)
    mode, rest = match.group(1), match.group(2)
    if mode == 'run':
        option = RUN_OPTION.match(rest) if rest else None
        if rest and not option:
            raise ValueError("unknown run option '%s' (only file=NAME)" % rest)
        if option and block.lang not in YAML:
            raise ValueError('file=NAME is for yaml blocks; a shell block writes its own files')
        return mode, option.group(1) if option else None
    if not rest.startswith(':') or not rest[1:].strip():
        raise ValueError('<!-- snippet: %s --> needs its reason: <!-- snippet: %s: <why> -->' % (mode, mode))
    return mode, rest[1:].strip()


def is_playbook(data):
    return isinstance(data, list) and bool(data) and all(
        isinstance(play, dict) and ({'hosts', 'import_playbook', 'ansible.builtin.import_playbook'} & set(play)) for play in data)


def tail(text, lines=40):
    return '\n'.join(text.rstrip().split('\n')[-lines:])


class Runner:
    def __init__(self, sandbox_env, work, collections, verbose=False):
        self.verbose = verbose
        self.sandbox_env = sandbox_env
        self.work = work
        self.collections = collections
        self.sandbox_vars = {}
        if sandbox_env:
            with open(os.path.join(os.path.dirname(sandbox_env), 'env.json'), encoding='utf-8') as handle:
                self.sandbox_vars = json.load(handle)
        self.sessions = {}

    def session(self, page):
        """The page's private directory, created on its first run block."""
        if page not in self.sessions:
            path = tempfile.mkdtemp(prefix=re.sub(r'\W', '-', page) + '-', dir=self.work)
            os.chmod(path, 0o700)
            os.mkdir(os.path.join(path, '.home'), 0o700)
            os.symlink(ROOT, os.path.join(path, 'pgflex.migration'))
            self.sessions[page] = path
        return self.sessions[page]

    def env(self, session, ansible_collections):
        env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
        env.update(self.sandbox_vars)
        env['HOME'] = os.path.join(session, '.home')
        if ansible_collections and self.collections:
            env['ANSIBLE_COLLECTIONS_PATH'] = self.collections
        return env

    def call(self, argv, cwd, env):
        done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=BLOCK_TIMEOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError('%s exited %d:\n%s' % (os.path.basename(argv[0]), done.returncode, tail(done.stdout)))
        if self.verbose and done.stdout.strip():
            print(done.stdout.rstrip())
        return done.stdout

    def syntax_check_playbook(self, path, cwd):
        self.call(['ansible-playbook', '--syntax-check', '-i', 'localhost,', path], cwd, self.env(cwd, True))

    def check(self, block, mode, option):
        """Check or run one block; returns a short note; raises on failure."""
        if block.lang in SHELL:
            if mode == 'syntax':
                self.call(['bash', '-n', '-c', block.text], ROOT, dict(os.environ))
                return 'bash -n'
            session = self.session(block.page)
            script = os.path.join(session, '.snippet-%d.sh' % block.line)
            with open(script, 'w', encoding='utf-8') as handle:
                handle.write('source %s\n%s' % (self.sandbox_env, block.text))
            self.call(['bash', '-e', '-o', 'pipefail', script], session, self.env(session, False))
            return 'ran with bash -e'
        data = list(yaml.safe_load_all(block.text))
        data = data[0] if len(data) == 1 else data
        playbook = is_playbook(data)
        if mode == 'syntax':
            if not playbook:
                return 'YAML parsed'
            scratch = tempfile.mkdtemp(dir=self.work)
            path = os.path.join(scratch, 'snippet.yml')
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(block.text)
            self.syntax_check_playbook(path, scratch)
            return 'playbook syntax-checked'
        session = self.session(block.page)
        path = os.path.join(session, option or '.snippet-%d.yml' % block.line)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(block.text)
        if option:
            if playbook:
                self.syntax_check_playbook(path, session)
            return 'saved as %s%s' % (option, ' (playbook syntax-checked)' if playbook else ' (YAML parsed)')
        if not playbook:
            return 'YAML parsed'
        self.call(['ansible-playbook', '-i', 'localhost,', path], session, self.env(session, True))
        return 'playbook ran'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--sandbox-env', help="the sandbox's env file (.sandbox/env of scripts/sandbox.py up)")
    parser.add_argument('--no-run', action='store_true', help='check markers and syntax only; run blocks are syntax-checked')
    parser.add_argument('-v', '--verbose', action='store_true', help='print the output of every block that ran')
    parser.add_argument('pages', nargs='*', help='pages relative to the checkout (default: %s)' % ', '.join(PAGES))
    args = parser.parse_args()
    if not args.no_run and not args.sandbox_env:
        parser.error('give --sandbox-env (a running sandbox) or --no-run')
    pages = args.pages or sorted({os.path.relpath(p, ROOT) for pattern in PAGES for p in glob.glob(os.path.join(ROOT, pattern))})
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix='pgflex-doc-snippets-')
    # The collection as this checkout has it, for the playbooks this script runs or syntax-checks.
    collections = os.path.join(work, 'collections')
    os.makedirs(os.path.join(collections, 'ansible_collections', 'pgflex'))
    os.symlink(ROOT, os.path.join(collections, 'ansible_collections', 'pgflex', 'migration'))
    runner = Runner(os.path.abspath(args.sandbox_env) if args.sandbox_env else None, work, collections, args.verbose)
    counts = {'run': 0, 'syntax': 0, 'skip': 0}
    failures = []
    try:
        for page in pages:
            for block in blocks_of(page):
                if block.lang not in SHELL | YAML and not MARKER.match(block.marker):
                    continue
                took = time.monotonic()
                try:
                    if block.lang not in SHELL | YAML:
                        raise ValueError('snippet markers are for yaml and shell blocks; this one is ```%s' % (block.lang or 'plain'))
                    mode, option = parse_marker(block)
                    if mode == 'skip':
                        counts['skip'] += 1
                        continue
                    if mode == 'run' and args.no_run:
                        mode, option = 'syntax', None
                    note = runner.check(block, mode, option)
                    counts[mode] += 1
                    print('%-6s %-40s %s (%.1fs)' % (mode, block.where, note, time.monotonic() - took), flush=True)
                except (ValueError, RuntimeError, yaml.YAMLError, subprocess.TimeoutExpired) as exc:
                    failures.append(block.where)
                    print('FAIL   %s: %s' % (block.where, exc), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('doc snippets: %d run, %d syntax-checked, %d skipped, %d failed; %d pages in %.0fs'
          % (counts['run'], counts['syntax'], counts['skip'], len(failures), len(pages), time.monotonic() - started))
    for where in failures:
        print('FAILED %s' % where)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
