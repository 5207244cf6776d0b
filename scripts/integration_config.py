"""Write ansible-test's integration_config.yml from the sandbox's env.json.

Every key becomes a lowercased variable (AZURE_TENANT -> azure_tenant), so integration targets read
the sandbox's endpoints and credentials as plain variables.
"""

import json
import sys


def main(env_json, output):
    with open(env_json, encoding='utf-8') as handle:
        values = json.load(handle)
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write('---\n')
        for key in sorted(values):
            handle.write('%s: %s\n' % (key.lower(), json.dumps(str(values[key]))))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
