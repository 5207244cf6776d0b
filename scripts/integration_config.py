"""Write ansible-test's integration_config.yml from the sandbox's env.json.

Every key becomes a lowercased variable (AZURE_TENANT -> azure_tenant), so integration targets read
the sandbox's endpoints and credentials as plain variables. pgflex_token_cache_path, a file beside env.json, is
where the targets keep the token cache the migrate role turns on (not the user's ~/.azure; ansible-test passes
no PGFLEX_TOKEN_CACHE_PATH of the caller's environment on to the playbooks).
"""

import json
import os
import sys


def main(env_json, output):
    with open(env_json, encoding='utf-8') as handle:
        values = json.load(handle)
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write('---\n')
        for key in sorted(values):
            handle.write('%s: %s\n' % (key.lower(), json.dumps(str(values[key]))))
        token_cache = os.path.join(os.path.dirname(os.path.abspath(env_json)), 'token_cache.json')
        handle.write('pgflex_token_cache_path: %s\n' % json.dumps(token_cache))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
