"""Stand-in for ansible-test's downloaded get-pip bootstrap script.

ansible-test runs it inside a virtualenv created without pip, passing pip's install arguments.
It installs the interpreter's bundled pip with ensurepip, then the requested packages from the
configured package registry; no download from the internet is needed.
"""

import subprocess
import sys

IGNORED = {'--no-setuptools', '--no-wheel'}

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + [a for a in sys.argv[1:] if a not in IGNORED])
